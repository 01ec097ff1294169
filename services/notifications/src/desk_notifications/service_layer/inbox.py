"""A person's in-app inbox: list newest first, count unread, mark read."""

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from desk_notifications.adapters.tables import notifications

COLUMNS = (
    notifications.c.id,
    notifications.c.ticket_id,
    notifications.c.reference,
    notifications.c.kind,
    notifications.c.title,
    notifications.c.body,
    notifications.c.created_at,
    notifications.c.read_at,
)


@dataclass(frozen=True)
class Reader:
    """Whose inbox: one user of one tenant."""

    tenant_id: str
    user_id: str

    def owns(self) -> ColumnElement[bool]:
        return and_(
            notifications.c.tenant_id == self.tenant_id,
            notifications.c.user_id == self.user_id,
        )


@dataclass(frozen=True)
class InboxPage:
    items: list[dict[str, object]]
    next_cursor: str | None
    unread_count: int


class Inbox:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def page(
        self,
        reader: Reader,
        *,
        cursor: uuid.UUID | None,
        limit: int,
        unread_only: bool,
    ) -> InboxPage:
        """Up to ``limit`` notifications older than ``cursor``, and the unread count."""
        query = select(*COLUMNS).where(reader.owns())
        if unread_only:
            query = query.where(notifications.c.read_at.is_(None))
        if cursor is not None:
            query = query.where(notifications.c.id < cursor)
        query = query.order_by(notifications.c.id.desc()).limit(limit + 1)
        unread = select(func.count()).where(
            reader.owns(), notifications.c.read_at.is_(None)
        )
        async with self._engine.connect() as conn:
            rows = [dict(r._mapping) for r in await conn.execute(query)]
            count = (await conn.execute(unread)).scalar_one()
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = str(rows[-1]["id"]) if more else None
        return InboxPage(rows, next_cursor, int(count))

    async def mark_read(
        self, reader: Reader, notification_id: uuid.UUID
    ) -> dict[str, object] | None:
        """Mark one read (again is harmless); None when it is not the reader's."""
        statement = (
            update(notifications)
            .where(reader.owns(), notifications.c.id == notification_id)
            .values(read_at=func.coalesce(notifications.c.read_at, func.now()))
            .returning(*COLUMNS)
        )
        async with self._engine.begin() as conn:
            row = (await conn.execute(statement)).first()
        return dict(row._mapping) if row is not None else None

    async def mark_all_read(self, reader: Reader) -> int:
        statement = (
            update(notifications)
            .where(reader.owns(), notifications.c.read_at.is_(None))
            .values(read_at=func.now())
        )
        async with self._engine.begin() as conn:
            result = await conn.execute(statement)
        return int(result.rowcount)
