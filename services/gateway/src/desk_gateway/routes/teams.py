"""``/v1/teams``: teams / groups (Settings, Support, Teams/Groups).

A team's answers carry its ``ETag``; changes honour ``If-Match`` (412).
"""

import uuid
from typing import Annotated

from desk_infra.problems import problem_responses
from fastapi import APIRouter, Depends, Path, Response
from helpdesk_contracts.api.teams import TeamCreate, TeamRead, TeamUpdate
from helpdesk_contracts.permissions import Permission

from desk_gateway.auth import Principal
from desk_gateway.guards import Operator, requires
from desk_gateway.routes.deps import IfMatch, Tickets

router = APIRouter(
    prefix="/v1/teams",
    tags=["teams"],
    responses=problem_responses(401, 403, 404, 422, 502, 503, 504),
)

TeamAdmin = Annotated[Principal, Depends(requires(Permission.SETTINGS_GROUPS))]
UserId = Annotated[str, Path(min_length=1, max_length=128)]
CHANGES = problem_responses(412)


@router.get("", response_model=list[TeamRead])
async def list_teams(who: Operator, tickets: Tickets) -> Response:
    """The tenant's teams by name, with their members (for the assignee picker)."""
    return await tickets.forward("GET", "/v1/teams", who)


@router.post("", response_model=TeamRead, status_code=201)
async def create_team(body: TeamCreate, who: TeamAdmin, tickets: Tickets) -> Response:
    """Members are users of the tenant's directory."""
    payload = body.model_dump_json(exclude_unset=True).encode()
    return await tickets.forward("POST", "/v1/teams", who, json_body=payload)


@router.get("/{team_id}", response_model=TeamRead)
async def get_team(team_id: uuid.UUID, who: Operator, tickets: Tickets) -> Response:
    return await tickets.forward("GET", f"/v1/teams/{team_id}", who)


@router.patch("/{team_id}", response_model=TeamRead, responses=CHANGES)
async def change_team(
    team_id: uuid.UUID,
    body: TeamUpdate,
    who: TeamAdmin,
    tickets: Tickets,
    if_match: IfMatch,
) -> Response:
    """``member_ids`` replaces the whole membership."""
    payload = body.model_dump_json(exclude_unset=True).encode()
    return await tickets.forward(
        "PATCH", f"/v1/teams/{team_id}", who, json_body=payload, headers=if_match
    )


@router.put("/{team_id}/members/{user_id}", response_model=TeamRead, responses=CHANGES)
async def add_member(
    team_id: uuid.UUID,
    user_id: UserId,
    who: TeamAdmin,
    tickets: Tickets,
    if_match: IfMatch,
) -> Response:
    path = f"/v1/teams/{team_id}/members/{user_id}"
    return await tickets.forward("PUT", path, who, headers=if_match)


@router.delete(
    "/{team_id}/members/{user_id}", response_model=TeamRead, responses=CHANGES
)
async def remove_member(
    team_id: uuid.UUID,
    user_id: UserId,
    who: TeamAdmin,
    tickets: Tickets,
    if_match: IfMatch,
) -> Response:
    path = f"/v1/teams/{team_id}/members/{user_id}"
    return await tickets.forward("DELETE", path, who, headers=if_match)


@router.delete("/{team_id}", status_code=204, responses=problem_responses(409, 412))
async def delete_team(
    team_id: uuid.UUID, who: TeamAdmin, tickets: Tickets, if_match: IfMatch
) -> Response:
    """Refused (409) while unresolved tickets are assigned to the team; resolved
    and closed ones keep it as an assignee (see docs/api.md)."""
    return await tickets.forward(
        "DELETE", f"/v1/teams/{team_id}", who, headers=if_match
    )
