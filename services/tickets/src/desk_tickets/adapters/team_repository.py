"""Teams and their members in the tickets database."""

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from desk_tickets.adapters.tables import team_members, teams

TeamRow = tuple[Row[Any], list[str]]


class TeamRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, values: dict[str, Any]) -> Row[Any]:
        statement = teams.insert().values(values).returning(teams)
        row: Row[Any] = (await self._conn.execute(statement)).one()
        return row

    async def get(
        self, tenant_id: str, team_id: uuid.UUID, *, for_update: bool = False
    ) -> Row[Any] | None:
        statement = select(teams).where(
            teams.c.id == team_id,
            teams.c.tenant_id == tenant_id,
            teams.c.deleted_at.is_(None),
        )
        if for_update:
            statement = statement.with_for_update()
        return (await self._conn.execute(statement)).first()

    async def all(self, tenant_id: str) -> list[Row[Any]]:
        statement = (
            select(teams)
            .where(teams.c.tenant_id == tenant_id, teams.c.deleted_at.is_(None))
            .order_by(func.lower(teams.c.name))
        )
        return list((await self._conn.execute(statement)).all())

    async def name_taken(
        self, tenant_id: str, name: str, but: uuid.UUID | None = None
    ) -> bool:
        statement = select(teams.c.id).where(
            teams.c.tenant_id == tenant_id,
            func.lower(teams.c.name) == name.lower(),
            teams.c.deleted_at.is_(None),
        )
        if but is not None:
            statement = statement.where(teams.c.id != but)
        return (await self._conn.execute(statement)).first() is not None

    async def change(self, team_id: uuid.UUID, values: dict[str, Any]) -> Row[Any]:
        statement = (
            update(teams)
            .where(teams.c.id == team_id)
            .values(**values, version=teams.c.version + 1, updated_at=func.now())
            .returning(teams)
        )
        row: Row[Any] = (await self._conn.execute(statement)).one()
        return row

    async def mark_deleted(self, team_id: uuid.UUID, at: datetime) -> Row[Any]:
        await self._conn.execute(
            delete(team_members).where(team_members.c.team_id == team_id)
        )
        return await self.change(team_id, {"deleted_at": at})

    async def members(
        self, team_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, list[str]]:
        ids = list(team_ids)
        found: dict[uuid.UUID, list[str]] = {i: [] for i in ids}
        if not ids:
            return found
        statement = (
            select(team_members.c.team_id, team_members.c.user_id)
            .where(team_members.c.team_id.in_(ids))
            .order_by(team_members.c.user_id)
        )
        for team_id, user_id in await self._conn.execute(statement):
            found[team_id].append(user_id)
        return found

    async def set_members(
        self, tenant_id: str, team_id: uuid.UUID, user_ids: Iterable[str]
    ) -> None:
        wanted = sorted(set(user_ids))
        await self._conn.execute(
            delete(team_members).where(
                team_members.c.team_id == team_id,
                team_members.c.user_id.not_in(wanted),
            )
        )
        if wanted:
            rows = [
                {"tenant_id": tenant_id, "team_id": team_id, "user_id": u}
                for u in wanted
            ]
            await self._conn.execute(
                insert(team_members).on_conflict_do_nothing(), rows
            )

    async def existing(self, tenant_id: str, ids: Iterable[str]) -> set[str]:
        """Which of the ids (as text) name live teams of the tenant."""
        wanted = []
        for each in ids:
            try:
                wanted.append(uuid.UUID(each))
            except ValueError:
                continue
        if not wanted:
            return set()
        statement = select(teams.c.id).where(
            teams.c.tenant_id == tenant_id,
            teams.c.id.in_(wanted),
            teams.c.deleted_at.is_(None),
        )
        return {str(i) for i in (await self._conn.execute(statement)).scalars()}

    async def of_user(self, tenant_id: str, user_id: str) -> frozenset[str]:
        """The ids (as text) of the teams the user belongs to."""
        statement = select(team_members.c.team_id).where(
            team_members.c.tenant_id == tenant_id, team_members.c.user_id == user_id
        )
        return frozenset(
            str(i) for i in (await self._conn.execute(statement)).scalars()
        )
