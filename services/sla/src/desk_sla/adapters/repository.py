"""Calendars and definitions in PostgreSQL, per tenant, versioned and soft-deleted."""

import uuid
from typing import Any

from sqlalchemy import (
    CursorResult,
    Executable,
    Row,
    Table,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from desk_sla.adapters import tables


class NameTaken(Exception):
    """Another live row of the tenant has that name (case-insensitively)."""


def _name_clash(exc: IntegrityError) -> bool:
    return "_name_uq" in str(exc.orig)


class _Versioned:
    """Rows keyed by tenant and id, with a version and a ``deleted_at``."""

    table: Table

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(
        self, tenant_id: str, row_id: uuid.UUID, *, deleted: bool = False
    ) -> Row[Any] | None:
        """The row, or None; a deleted one only with ``deleted``."""
        t = self.table
        query = select(t).where(t.c.tenant_id == tenant_id, t.c.id == row_id)
        if not deleted:
            query = query.where(t.c.deleted_at.is_(None))
        return (await self._conn.execute(query)).one_or_none()

    async def by_name(self, tenant_id: str, *, deleted: bool = False) -> list[Row[Any]]:
        t = self.table
        query = select(t).where(t.c.tenant_id == tenant_id)
        if not deleted:
            query = query.where(t.c.deleted_at.is_(None))
        query = query.order_by(func.lower(t.c.name), t.c.id)
        return list((await self._conn.execute(query)).all())

    async def add(self, tenant_id: str, values: dict[str, Any]) -> Row[Any]:
        t = self.table
        statement = (
            insert(t)
            .values(tenant_id=tenant_id, id=uuid.uuid4(), **values)
            .returning(t)
        )
        return (await self._execute(statement)).one()

    async def replace(
        self,
        tenant_id: str,
        row_id: uuid.UUID,
        values: dict[str, Any],
        versions: frozenset[int] | None,
    ) -> Row[Any] | None:
        """Write ``values`` over a live row at one of ``versions`` (any: None)."""
        t = self.table
        statement = (
            update(t)
            .where(
                t.c.tenant_id == tenant_id,
                t.c.id == row_id,
                t.c.deleted_at.is_(None),
            )
            .values(**values, version=t.c.version + 1, updated_at=func.now())
            .returning(t)
        )
        if versions is not None:
            statement = statement.where(t.c.version.in_(versions))
        return (await self._execute(statement)).one_or_none()

    async def delete(
        self, tenant_id: str, row_id: uuid.UUID, versions: frozenset[int] | None
    ) -> Row[Any] | None:
        """Mark a live row deleted; None when none matched."""
        t = self.table
        statement = (
            update(t)
            .where(
                t.c.tenant_id == tenant_id,
                t.c.id == row_id,
                t.c.deleted_at.is_(None),
            )
            .values(
                deleted_at=func.now(), updated_at=func.now(), version=t.c.version + 1
            )
            .returning(t)
        )
        if versions is not None:
            statement = statement.where(t.c.version.in_(versions))
        return (await self._execute(statement)).one_or_none()

    async def _execute(self, statement: Executable) -> CursorResult[Any]:
        try:
            async with self._conn.begin_nested():
                return await self._conn.execute(statement)
        except IntegrityError as exc:
            if _name_clash(exc):
                raise NameTaken from exc
            raise


class CalendarRepository(_Versioned):
    table = tables.calendars

    async def lock_live(
        self, tenant_id: str, calendar_id: uuid.UUID, *, exclusive: bool
    ) -> dict[str, Any] | None:
        """Lock a live calendar until commit: shared to refer to it, exclusive to
        delete it, so no definition starts using a calendar being deleted.
        Its document, or None when there is no such live calendar."""
        t = self.table
        query = select(t.c.document).where(
            t.c.tenant_id == tenant_id, t.c.id == calendar_id, t.c.deleted_at.is_(None)
        )
        query = query.with_for_update(read=not exclusive, key_share=not exclusive)
        document: dict[str, Any] | None = (
            await self._conn.execute(query)
        ).scalar_one_or_none()
        return document

    async def users(self, tenant_id: str, calendar_id: uuid.UUID) -> list[str]:
        """Names of the live definitions counting in this calendar."""
        d = tables.definitions
        query = (
            select(d.c.name)
            .where(
                d.c.tenant_id == tenant_id,
                d.c.calendar_id == calendar_id,
                d.c.deleted_at.is_(None),
            )
            .order_by(d.c.name)
        )
        return list((await self._conn.execute(query)).scalars())


class DefinitionRepository(_Versioned):
    table = tables.definitions
