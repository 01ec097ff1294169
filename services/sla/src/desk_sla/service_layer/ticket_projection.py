"""What the SLA service knows of a ticket: its projection row and status timeline.

Both grow by insert-if-absent, so whoever tells first (a ticket event, or the
gateway attaching a clock by hand) leaves a row the others still apply to by
aggregate version.
"""

import uuid
from datetime import datetime

from helpdesk_contracts.vocabulary import TicketStatus
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from desk_sla.adapters import tables


async def ensure_ticket(
    conn: AsyncConnection, ticket_id: uuid.UUID, tenant_id: str, reference: str
) -> None:
    """Create the ticket's projection row if new.

    Its parts carry version 0, so every event of the ticket still replaces them.
    """
    t = tables.ticket_projection
    await conn.execute(
        insert(t)
        .values(ticket_id=ticket_id, tenant_id=tenant_id, reference=reference)
        .on_conflict_do_nothing()
    )


async def lock_ticket(
    conn: AsyncConnection, ticket_id: uuid.UUID, tenant_id: str, reference: str
) -> None:
    """Create the ticket's projection row if new, and lock it.

    Changes of one ticket are applied one at a time: a status recorded by one
    transaction cannot be missed by a clock another one attaches.
    """
    await ensure_ticket(conn, ticket_id, tenant_id, reference)
    t = tables.ticket_projection
    await conn.execute(
        select(t.c.ticket_id).where(t.c.ticket_id == ticket_id).with_for_update()
    )


async def record_status(
    conn: AsyncConnection,
    ticket_id: uuid.UUID,
    version: int,
    status: TicketStatus,
    at: datetime,
) -> bool:
    """Add the status in force from ``version``; false when it was known."""
    added = await conn.execute(
        insert(tables.ticket_statuses)
        .values(ticket_id=ticket_id, version=version, status=status, at=at)
        .on_conflict_do_nothing()
        .returning(tables.ticket_statuses.c.version)
    )
    return added.first() is not None
