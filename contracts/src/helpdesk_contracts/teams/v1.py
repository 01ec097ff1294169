"""Team events, version 1: keys ``team.<fact>.v1`` on ``helpdesk.events``.

Each event carries the whole membership, so a consumer keeps a projection by
replacing what it holds when ``version`` is newer.
"""

import uuid
from typing import ClassVar

from pydantic import AwareDatetime

from helpdesk_contracts.envelope import EventData


class _TeamEvent(EventData):
    aggregate_type: ClassVar[str] = "team"

    team_id: uuid.UUID
    version: int


class TeamChanged(_TeamEvent):
    """A team was created, renamed, or its members changed."""

    event_type: ClassVar[str] = "team.changed.v1"

    name: str
    description: str = ""
    member_ids: list[str] = []
    changed_at: AwareDatetime


class TeamDeleted(_TeamEvent):
    event_type: ClassVar[str] = "team.deleted.v1"

    deleted_at: AwareDatetime


TEAM_EVENTS: tuple[type[_TeamEvent], ...] = (TeamChanged, TeamDeleted)
