"""Internal endpoints for other services (not forwarded by the gateway).

``POST /v1/internal/recipients``: the notifications service asks who users are
and who belongs to teams, in one call per event.
"""

from typing import Annotated

from desk_infra.logs import bind_log_context
from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, Field

from desk_tickets.service_layer.recipients import recipients

router = APIRouter(prefix="/v1/internal", tags=["internal"])

Ids = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=128)]], Field(max_length=1000)
]


class RecipientsQuery(BaseModel):
    users: Ids = []
    teams: Ids = []


class TeamRead(BaseModel):
    id: str
    name: str


class RecipientRead(BaseModel):
    user_id: str
    name: str
    email: str | None
    teams: list[TeamRead]
    """The requested teams this user was reached through."""


@router.post("/recipients", response_model=list[RecipientRead])
async def find_recipients(
    body: RecipientsQuery,
    request: Request,
    x_desk_tenant: Annotated[str, Header(max_length=64)],
) -> list[RecipientRead]:
    """Users by id and teams' members, once each, with name and email."""
    bind_log_context(tenant_id=x_desk_tenant)
    engine = request.app.state.runtime.engine
    found = await recipients(engine, x_desk_tenant, body.users, body.teams)
    return [RecipientRead.model_validate(r, from_attributes=True) for r in found]
