"""Teams / groups: create, change, delete, read; and whose teams a caller is in.

Each change publishes ``team.changed.v1`` or ``team.deleted.v1`` carrying the whole
membership, in the transaction that makes it.
"""

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from desk_infra.logs import current_log_context
from helpdesk_contracts import Envelope
from helpdesk_contracts.api.teams import TeamCreate, TeamRead, TeamUpdate
from helpdesk_contracts.permissions import Permission
from helpdesk_contracts.teams import v1
from helpdesk_contracts.vocabulary import AssigneeKind
from sqlalchemy import Row

from desk_tickets.domain.access import Actor
from desk_tickets.domain.errors import (
    Forbidden,
    InUse,
    InvalidField,
    NotFound,
    require_version,
)
from desk_tickets.service_layer.unit_of_work import UnitOfWork
from desk_tickets.service_layer.views import SOURCE

Versions = frozenset[int] | None


async def with_teams(uow: UnitOfWork, actor: Actor) -> Actor:
    """The actor with the teams the tickets service knows them to belong to."""
    return replace(
        actor, team_ids=await uow.teams.of_user(actor.tenant_id, actor.user_id)
    )


def _require_groups(actor: Actor) -> None:
    if actor.is_requester or not actor.has(Permission.SETTINGS_GROUPS):
        raise Forbidden(
            "managing teams needs support:settings:groups", Permission.SETTINGS_GROUPS
        )


async def list_teams(uow: UnitOfWork, actor: Actor) -> list[TeamRead]:
    async with uow:
        rows = await uow.teams.all(actor.tenant_id)
        members = await uow.teams.members(r.id for r in rows)
    return [_read(r, members[r.id]) for r in rows]


async def get_team(uow: UnitOfWork, actor: Actor, team_id: uuid.UUID) -> TeamRead:
    async with uow:
        row = await _team(uow, actor, team_id)
        members = await uow.teams.members([team_id])
    return _read(row, members[team_id])


async def create_team(uow: UnitOfWork, actor: Actor, cmd: TeamCreate) -> TeamRead:
    _require_groups(actor)
    async with uow:
        await _check_name(uow, actor, cmd.name, None)
        await _check_members(uow, actor, cmd.member_ids)
        row = await uow.teams.add(
            {
                "id": uuid.uuid4(),
                "tenant_id": actor.tenant_id,
                "name": cmd.name,
                "description": cmd.description,
            }
        )
        await uow.teams.set_members(actor.tenant_id, row.id, cmd.member_ids)
        return await _announce_change(uow, actor, row)


async def change_team(
    uow: UnitOfWork,
    actor: Actor,
    team_id: uuid.UUID,
    cmd: TeamUpdate,
    if_match: Versions = None,
) -> TeamRead:
    _require_groups(actor)
    given = cmd.model_fields_set
    async with uow:
        row = await _team_for_change(uow, actor, team_id, if_match)
        if "name" in given and cmd.name is not None:
            await _check_name(uow, actor, cmd.name, team_id)
        if cmd.member_ids is not None:
            await _check_members(uow, actor, cmd.member_ids)
            await uow.teams.set_members(actor.tenant_id, team_id, cmd.member_ids)
        values: dict[str, Any] = {
            f: getattr(cmd, f) for f in ("name", "description") if f in given
        }
        row = await uow.teams.change(team_id, values)
        return await _announce_change(uow, actor, row)


async def add_member(
    uow: UnitOfWork,
    actor: Actor,
    team_id: uuid.UUID,
    user_id: str,
    if_match: Versions = None,
) -> TeamRead:
    _require_groups(actor)
    async with uow:
        await _team_for_change(uow, actor, team_id, if_match)
        await _check_members(uow, actor, [user_id], field="user_id")
        members = (await uow.teams.members([team_id]))[team_id]
        await uow.teams.set_members(actor.tenant_id, team_id, [*members, user_id])
        row = await uow.teams.change(team_id, {})
        return await _announce_change(uow, actor, row)


async def remove_member(
    uow: UnitOfWork,
    actor: Actor,
    team_id: uuid.UUID,
    user_id: str,
    if_match: Versions = None,
) -> TeamRead:
    _require_groups(actor)
    async with uow:
        await _team_for_change(uow, actor, team_id, if_match)
        members = (await uow.teams.members([team_id]))[team_id]
        kept = [m for m in members if m != user_id]
        await uow.teams.set_members(actor.tenant_id, team_id, kept)
        row = await uow.teams.change(team_id, {})
        return await _announce_change(uow, actor, row)


async def delete_team(
    uow: UnitOfWork, actor: Actor, team_id: uuid.UUID, if_match: Versions = None
) -> None:
    """Delete a team and its membership. Refused while unresolved tickets are
    assigned to it (nobody would be left working them); resolved and closed
    tickets keep the entry as their history."""
    _require_groups(actor)
    now = datetime.now(UTC)
    async with uow:
        team = await _team_for_change(uow, actor, team_id, if_match)
        count, references = await uow.tickets.unresolved_assigned(
            actor.tenant_id, AssigneeKind.TEAM.value, str(team_id)
        )
        if count:
            more = ", ..." if count > len(references) else ""
            raise InUse(
                "team",
                repr(team.name),
                f"is assigned to {count} unresolved ticket(s) "
                f"({', '.join(references)}{more}): reassign them first",
            )
        row = await uow.teams.mark_deleted(team_id, now)
        event = v1.TeamDeleted(team_id=team_id, version=row.version, deleted_at=now)
        uow.publish(_envelope(event, actor.tenant_id, team_id, row.version))
        await uow.commit()


# --- helpers ---------------------------------------------------------------------


async def _team(
    uow: UnitOfWork, actor: Actor, team_id: uuid.UUID, *, for_update: bool = False
) -> Row[Any]:
    if actor.is_requester:
        raise NotFound("team", team_id)
    row = await uow.teams.get(actor.tenant_id, team_id, for_update=for_update)
    if row is None:
        raise NotFound("team", team_id)
    return row


async def _team_for_change(
    uow: UnitOfWork, actor: Actor, team_id: uuid.UUID, if_match: Versions
) -> Row[Any]:
    """The team, locked, if it is at a version ``if_match`` names."""
    row = await _team(uow, actor, team_id, for_update=True)
    require_version("team", row.version, if_match)
    return row


async def _check_name(
    uow: UnitOfWork, actor: Actor, name: str, team_id: uuid.UUID | None
) -> None:
    if await uow.teams.name_taken(actor.tenant_id, name, but=team_id):
        raise InvalidField("name", f"a team named {name!r} exists already")


async def _check_members(
    uow: UnitOfWork, actor: Actor, user_ids: list[str], field: str = "member_ids"
) -> None:
    found = await uow.directory.existing(actor.tenant_id, "users", user_ids)
    missing = sorted(set(user_ids) - found)
    if missing:
        raise InvalidField(field, f"no user {missing[0]!r} in this tenant")


async def _announce_change(uow: UnitOfWork, actor: Actor, row: Row[Any]) -> TeamRead:
    members = (await uow.teams.members([row.id]))[row.id]
    event = v1.TeamChanged(
        team_id=row.id,
        version=row.version,
        name=row.name,
        description=row.description,
        member_ids=members,
        changed_at=row.updated_at,
    )
    uow.publish(_envelope(event, actor.tenant_id, row.id, row.version))
    await uow.commit()
    return _read(row, members)


def _envelope(
    event: v1.TeamChanged | v1.TeamDeleted,
    tenant_id: str,
    team_id: uuid.UUID,
    version: int,
) -> Envelope[Any]:
    return Envelope.wrap(
        event,
        source=SOURCE,
        tenant_id=tenant_id,
        aggregate_id=str(team_id),
        aggregate_version=version,
        correlation_id=current_log_context().get("correlation_id"),
    )


def _read(row: Row[Any], members: list[str]) -> TeamRead:
    return TeamRead(
        id=row.id,
        name=row.name,
        description=row.description,
        member_ids=members,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
