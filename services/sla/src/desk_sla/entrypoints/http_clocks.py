"""The clocks of a ticket: the SLA banner, and attaching or detaching by hand.

The gateway has checked that the caller may see the ticket before it asks.
"""

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Response
from helpdesk_contracts.api.sla import ClockAttachCall, ClockRead, TicketClocks
from helpdesk_contracts.permissions import Permission
from sqlalchemy import select

from desk_sla.adapters import tables
from desk_sla.domain.errors import NotFound
from desk_sla.entrypoints.http import ActorDep, EngineDep
from desk_sla.service_layer import clocks
from desk_sla.service_layer.manual_clocks import attach_by_hand

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
    ticket_id: uuid.UUID, body: ClockAttachCall, who: ActorDep, db: EngineDep
) -> TicketClocks:
    """Attach a definition by hand; a topic change never replaces this clock."""
    who.require(Permission.SLA_ATTACH)
    await attach_by_hand(
        db, who.tenant_id, ticket_id, body.definition_id, body.ticket, datetime.now(UTC)
    )
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
