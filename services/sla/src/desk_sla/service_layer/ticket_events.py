"""Ticket events as the SLA service sees them: the projection and the clocks.

Each handler runs in one transaction with the inbox row that makes it
idempotent. Parts of the projection are replaced only by an event of a newer
aggregate version, and the status timeline is keyed by version, so duplicates
and reordering leave the same state behind.
"""

import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from desk_infra.inbox import first_delivery
from helpdesk_contracts.envelope import Envelope, EventData
from helpdesk_contracts.tickets import v1 as tickets_v1
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from desk_sla.adapters import tables
from desk_sla.service_layer import clocks
from desk_sla.service_layer.ticket_projection import lock_ticket, record_status

CONSUMER = "sla.tickets"

Handler = Callable[[AsyncConnection, Envelope[Any]], Awaitable[bool]]
"""Applies an event; true when the ticket's clocks must be read again."""


async def _take_snapshot_fields(
    conn: AsyncConnection, version: int, ticket: tickets_v1.TicketSnapshot
) -> None:
    t = tables.ticket_projection
    await conn.execute(
        update(t)
        .where(t.c.ticket_id == ticket.id, t.c.snapshot_version < version)
        .values(
            subject=ticket.subject,
            priority=ticket.priority,
            requester_id=ticket.requester_id,
            snapshot_version=version,
        )
    )
    await _take_assignees(
        conn,
        ticket.id,
        version,
        ticket.primary_assignee,
        ticket.additional_assignees,
    )


async def _take_assignees(
    conn: AsyncConnection,
    ticket_id: uuid.UUID,
    version: int,
    primary: tickets_v1.Assignee | None,
    additional: list[tickets_v1.Assignee],
) -> None:
    t = tables.ticket_projection
    await conn.execute(
        update(t)
        .where(t.c.ticket_id == ticket_id, t.c.assignees_version < version)
        .values(
            primary_assignee=primary.model_dump(mode="json") if primary else None,
            additional_assignees=[a.model_dump(mode="json") for a in additional],
            assignees_version=version,
        )
    )


async def _replace_automatic_clock(
    conn: AsyncConnection,
    envelope: Envelope[Any],
    ticket_id: uuid.UUID,
    definition_id: uuid.UUID | None,
    at: datetime,
) -> bool:
    """Attach the topic's default SLA, replacing an older automatic clock.

    A topic change older than the one that attached the current automatic
    clock changes nothing; one that keeps the same default SLA keeps the clock.
    Nor does one that arrives after the ticket's deletion (out of order).
    """
    t, k = tables.ticket_projection, tables.clocks
    version = envelope.aggregateversion
    newer = await conn.execute(
        update(t)
        .where(
            t.c.ticket_id == ticket_id,
            t.c.topic_version < version,
            t.c.deleted_at.is_(None),
        )
        .values(topic_version=version)
        .returning(t.c.ticket_id)
    )
    if newer.first() is None:
        return False
    current = await conn.scalar(
        select(k.c.definition_id).where(
            k.c.ticket_id == ticket_id,
            k.c.manual.is_(False),
            k.c.detached_at.is_(None),
        )
    )
    if current is not None and current == definition_id:
        return False
    await clocks.detach(
        conn,
        envelope.tenantid,
        ticket_id,
        automatic_before=version,
        at=at,
        correlation_id=envelope.correlationid,
        causation_id=str(envelope.id),
    )
    if definition_id is not None:
        await clocks.attach(
            conn,
            tenant_id=envelope.tenantid,
            ticket_id=ticket_id,
            definition_id=definition_id,
            manual=False,
            version=version,
            at=at,
        )
    return True


async def on_created(conn: AsyncConnection, envelope: Envelope[Any]) -> bool:
    data: tickets_v1.TicketCreated = envelope.data
    ticket = data.ticket
    version = envelope.aggregateversion
    await _take_snapshot_fields(conn, version, ticket)
    recorded = await record_status(
        conn, data.ticket_id, version, ticket.status, ticket.created_at
    )
    attached = await _replace_automatic_clock(
        conn, envelope, data.ticket_id, data.default_sla_id, ticket.created_at
    )
    return recorded or attached


async def on_updated(conn: AsyncConnection, envelope: Envelope[Any]) -> bool:
    data: tickets_v1.TicketUpdated = envelope.data
    await _take_snapshot_fields(conn, envelope.aggregateversion, data.ticket)
    return False


async def on_status_changed(conn: AsyncConnection, envelope: Envelope[Any]) -> bool:
    data: tickets_v1.TicketStatusChanged = envelope.data
    return await record_status(
        conn, data.ticket_id, envelope.aggregateversion, data.to_status, data.changed_at
    )


async def on_topic_changed(conn: AsyncConnection, envelope: Envelope[Any]) -> bool:
    data: tickets_v1.TicketTopicChanged = envelope.data
    return await _replace_automatic_clock(
        conn, envelope, data.ticket_id, data.default_sla_id, envelope.time
    )


async def on_assignees_changed(conn: AsyncConnection, envelope: Envelope[Any]) -> bool:
    data: tickets_v1.TicketAssigneesChanged = envelope.data
    await _take_assignees(
        conn, data.ticket_id, envelope.aggregateversion, data.primary, data.additional
    )
    return False


async def on_deleted(conn: AsyncConnection, envelope: Envelope[Any]) -> bool:
    data: tickets_v1.TicketDeleted = envelope.data
    t = tables.ticket_projection
    await conn.execute(
        update(t)
        .where(t.c.ticket_id == data.ticket_id)
        .values(deleted_at=data.deleted_at)
    )
    await clocks.detach(
        conn,
        envelope.tenantid,
        data.ticket_id,
        at=data.deleted_at,
        correlation_id=envelope.correlationid,
        causation_id=str(envelope.id),
    )
    return False


HANDLERS: Mapping[type[EventData], Handler] = {
    tickets_v1.TicketCreated: on_created,
    tickets_v1.TicketUpdated: on_updated,
    tickets_v1.TicketStatusChanged: on_status_changed,
    tickets_v1.TicketTopicChanged: on_topic_changed,
    tickets_v1.TicketAssigneesChanged: on_assignees_changed,
    tickets_v1.TicketDeleted: on_deleted,
}


def consumer(
    engine: AsyncEngine, handler: Handler
) -> Callable[[Envelope[Any]], Awaitable[None]]:
    """``handler`` in a transaction of its own, skipped for a message seen before."""

    async def consume(envelope: Envelope[Any]) -> None:
        async with engine.begin() as conn:
            if not await first_delivery(conn, tables.inbox, CONSUMER, envelope.id):
                return
            data = envelope.data
            await lock_ticket(conn, data.ticket_id, envelope.tenantid, data.reference)
            if await handler(conn, envelope):
                await clocks.reread(
                    conn,
                    envelope.tenantid,
                    data.ticket_id,
                    correlation_id=envelope.correlationid,
                    causation_id=str(envelope.id),
                )

    return consume
