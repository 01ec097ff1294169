"""The clocks of a ticket: the SLA banner, and attaching or detaching by hand.

The gateway has checked that the caller may see the ticket before it asks.
"""

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Response
from helpdesk_contracts.api.sla import ClockAttach, ClockRead, TicketClocks
from helpdesk_contracts.permissions import Permission
from sqlalchemy import func, select

from desk_sla.adapters import tables
from desk_sla.domain.errors import InvalidField, NotFound
from desk_sla.entrypoints.http import ActorDep, EngineDep
from desk_sla.service_layer import clocks

router = APIRouter(prefix="/v1")


@router.get("/tickets/{ticket_id}/sla", response_model=TicketClocks)
async def ticket_clocks(
    ticket_id: uuid.UUID, who: ActorDep, db: EngineDep
) -> TicketClocks:
    async with db.connect() as conn:
        shown = await clocks.banners(conn, who.tenant_id, ticket_id)
    return TicketClocks(
        ticket_id=ticket_id,
        clocks=[
            ClockRead.model_validate(banner, from_attributes=True) for banner in shown
        ],
    )


@router.post("/tickets/{ticket_id}/sla", response_model=TicketClocks, status_code=201)
async def attach_clock(
    ticket_id: uuid.UUID, body: ClockAttach, who: ActorDep, db: EngineDep
) -> TicketClocks:
    """Attach a definition by hand; a topic change never replaces this clock."""
    who.require(Permission.SLA_ATTACH)
    t, s, k = tables.ticket_projection, tables.ticket_statuses, tables.clocks
    async with db.begin() as conn:
        known = await conn.scalar(
            select(t.c.ticket_id)
            .where(
                t.c.ticket_id == ticket_id,
                t.c.tenant_id == who.tenant_id,
                t.c.deleted_at.is_(None),
            )
            .with_for_update()
        )
        if known is None:
            raise NotFound("ticket", ticket_id)
        already = await conn.scalar(
            select(k.c.id).where(
                k.c.ticket_id == ticket_id,
                k.c.definition_id == body.definition_id,
                k.c.manual.is_(True),
                k.c.detached_at.is_(None),
            )
        )
        if already is not None:
            raise InvalidField("definition_id", "this SLA is already attached by hand")
        version = await conn.scalar(
            select(func.coalesce(func.max(s.c.version), 0)).where(
                s.c.ticket_id == ticket_id
            )
        )
        attached = await clocks.attach(
            conn,
            tenant_id=who.tenant_id,
            ticket_id=ticket_id,
            definition_id=body.definition_id,
            manual=True,
            version=int(version or 0),
            at=datetime.now(UTC),
        )
        if attached is None:
            raise InvalidField("definition_id", "no such SLA definition")
        await clocks.reread(conn, who.tenant_id, ticket_id)
    return await ticket_clocks(ticket_id, who, db)


@router.delete("/tickets/{ticket_id}/sla/{clock_id}", status_code=204)
async def detach_clock(
    ticket_id: uuid.UUID, clock_id: uuid.UUID, who: ActorDep, db: EngineDep
) -> Response:
    who.require(Permission.SLA_ATTACH)
    k = tables.clocks
    async with db.begin() as conn:
        mine = await conn.scalar(
            select(k.c.id).where(k.c.id == clock_id, k.c.tenant_id == who.tenant_id)
        )
        if mine is None:
            raise NotFound("clock", clock_id)
        await clocks.detach(
            conn, who.tenant_id, ticket_id, clock_id=clock_id, at=datetime.now(UTC)
        )
    return Response(status_code=204)
