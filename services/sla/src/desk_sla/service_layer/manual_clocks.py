"""Clocks attached by hand, through the gateway.

The gateway reads the ticket from the tickets service before it asks, and
passes what it read. An attach right after the ticket was created, before the
SLA service has consumed ``ticket.created``, starts the ticket's projection from
that: the row without any versioned part, so the events still apply when they
come, and the status in force at the version read.
"""

import uuid
from datetime import datetime

from helpdesk_contracts.api.sla import TicketSeen
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from desk_sla.adapters import tables
from desk_sla.domain.errors import InvalidField, NotFound
from desk_sla.service_layer import clocks
from desk_sla.service_layer.ticket_projection import ensure_ticket, record_status


async def attach_by_hand(
    engine: AsyncEngine,
    tenant_id: str,
    ticket_id: uuid.UUID,
    definition_id: uuid.UUID,
    seen: TicketSeen | None,
    at: datetime,
) -> None:
    """Attach ``definition_id`` to the ticket; a topic change never replaces it."""
    async with engine.begin() as conn:
        if seen is not None:
            await ensure_ticket(conn, ticket_id, tenant_id, seen.reference)
        await _lock_live_ticket(conn, tenant_id, ticket_id)
        if seen is not None:
            await record_status(
                conn, ticket_id, seen.version, seen.status, seen.updated_at
            )
        await _refuse_twice(conn, ticket_id, definition_id)

        known = await _newest_status_version(conn, ticket_id)
        attached = await clocks.attach(
            conn,
            tenant_id=tenant_id,
            ticket_id=ticket_id,
            definition_id=definition_id,
            manual=True,
            # At least the version seen: its status was recorded above.
            version=known,
            at=at,
        )
        if attached is None:
            raise InvalidField("definition_id", "no such SLA definition")
        await clocks.reread(conn, tenant_id, ticket_id)


async def _lock_live_ticket(
    conn: AsyncConnection, tenant_id: str, ticket_id: uuid.UUID
) -> None:
    """Lock the ticket's projection row, as every change of the ticket does;
    404 when the tenant has no such ticket, or it was deleted."""
    t = tables.ticket_projection
    known = await conn.scalar(
        select(t.c.ticket_id)
        .where(
            t.c.ticket_id == ticket_id,
            t.c.tenant_id == tenant_id,
            t.c.deleted_at.is_(None),
        )
        .with_for_update()
    )
    if known is None:
        raise NotFound("ticket", ticket_id)


async def _refuse_twice(
    conn: AsyncConnection, ticket_id: uuid.UUID, definition_id: uuid.UUID
) -> None:
    k = tables.clocks
    already = await conn.scalar(
        select(k.c.id).where(
            k.c.ticket_id == ticket_id,
            k.c.definition_id == definition_id,
            k.c.manual.is_(True),
            k.c.detached_at.is_(None),
        )
    )
    if already is not None:
        raise InvalidField("definition_id", "this SLA is already attached by hand")


async def _newest_status_version(conn: AsyncConnection, ticket_id: uuid.UUID) -> int:
    s = tables.ticket_statuses
    version = await conn.scalar(
        select(func.coalesce(func.max(s.c.version), 0)).where(
            s.c.ticket_id == ticket_id
        )
    )
    return int(version or 0)
