"""Internal API: teams / groups (Settings, Support, Teams/Groups).

A team's answers carry its version as ``ETag``; changes honour ``If-Match``.
"""

import uuid
from typing import Annotated

from desk_infra.etags import etag
from fastapi import APIRouter, Path, Response
from helpdesk_contracts.api.teams import TeamCreate, TeamRead, TeamUpdate

from desk_tickets.entrypoints.http import ActorDep, IfMatchDep, UowDep
from desk_tickets.service_layer import teams

router = APIRouter(prefix="/v1/teams")

UserId = Annotated[str, Path(min_length=1, max_length=128)]


def _tagged(team: TeamRead, response: Response) -> TeamRead:
    response.headers["ETag"] = etag(team.version)
    return team


@router.get("", response_model=list[TeamRead])
async def list_teams(unit: UowDep, who: ActorDep) -> list[TeamRead]:
    return await teams.list_teams(unit, who)


@router.post("", response_model=TeamRead, status_code=201)
async def create_team(
    body: TeamCreate, unit: UowDep, who: ActorDep, response: Response
) -> TeamRead:
    return _tagged(await teams.create_team(unit, who, body), response)


@router.get("/{team_id}", response_model=TeamRead)
async def get_team(
    team_id: uuid.UUID, unit: UowDep, who: ActorDep, response: Response
) -> TeamRead:
    return _tagged(await teams.get_team(unit, who, team_id), response)


@router.patch("/{team_id}", response_model=TeamRead)
async def change_team(
    team_id: uuid.UUID,
    body: TeamUpdate,
    unit: UowDep,
    who: ActorDep,
    versions: IfMatchDep,
    response: Response,
) -> TeamRead:
    team = await teams.change_team(unit, who, team_id, body, versions)
    return _tagged(team, response)


@router.put("/{team_id}/members/{user_id}", response_model=TeamRead)
async def add_member(
    team_id: uuid.UUID,
    user_id: UserId,
    unit: UowDep,
    who: ActorDep,
    versions: IfMatchDep,
    response: Response,
) -> TeamRead:
    team = await teams.add_member(unit, who, team_id, user_id, versions)
    return _tagged(team, response)


@router.delete("/{team_id}/members/{user_id}", response_model=TeamRead)
async def remove_member(
    team_id: uuid.UUID,
    user_id: UserId,
    unit: UowDep,
    who: ActorDep,
    versions: IfMatchDep,
    response: Response,
) -> TeamRead:
    team = await teams.remove_member(unit, who, team_id, user_id, versions)
    return _tagged(team, response)


@router.delete("/{team_id}", status_code=204)
async def delete_team(
    team_id: uuid.UUID, unit: UowDep, who: ActorDep, versions: IfMatchDep
) -> Response:
    await teams.delete_team(unit, who, team_id, versions)
    return Response(status_code=204)
