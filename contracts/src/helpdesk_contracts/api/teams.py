"""Teams / groups (Settings, Support, Teams/Groups): create, change, read."""

import uuid
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field

from helpdesk_contracts.api.tickets import (
    ExternalId,
    TopicDescription,
    TopicName,
    _Patch,
    _Strict,
)

TeamName = TopicName
TeamDescription = TopicDescription
MemberIds = Annotated[list[ExternalId], Field(max_length=1000)]


class TeamCreate(_Strict):
    name: TeamName
    description: TeamDescription = ""
    member_ids: MemberIds = Field(
        default=[], description="Users of the tenant's directory."
    )


class TeamUpdate(_Patch):
    """Fields to change; ``member_ids`` replaces the whole membership."""

    required = frozenset({"name", "description", "member_ids"})

    name: TeamName | None = None
    description: TeamDescription | None = None
    member_ids: MemberIds | None = None


class TeamRead(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    member_ids: list[str]
    version: int
    created_at: AwareDatetime
    updated_at: AwareDatetime
