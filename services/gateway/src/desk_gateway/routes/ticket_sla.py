"""A ticket's SLA clocks: the banner, and attaching or detaching a definition.

The tickets service decides who may see a ticket, so each route reads the
ticket there first and only then asks the SLA service about its clocks.
Clocks are an internal operational target: a requester sees none, neither on
the ticket nor from its clocks route, which answers an empty list.
"""

import asyncio
import logging
import uuid
from typing import Annotated, Any

import orjson
from desk_infra.problems import Problem, problem_responses
from fastapi import APIRouter, Depends, Response
from helpdesk_contracts.api.sla import (
    ClockAttach,
    ClockAttachCall,
    TicketClocks,
    TicketSeen,
)
from helpdesk_contracts.api.tickets import TicketRead
from helpdesk_contracts.permissions import Permission

from desk_gateway.auth import Principal
from desk_gateway.guards import TicketWorker, requires
from desk_gateway.routes.deps import Sla, Tickets
from desk_gateway.upstream import PASSED_HEADERS, Upstream

log = logging.getLogger(__name__)

router = APIRouter(
    prefix="/v1/tickets",
    tags=["sla"],
    responses=problem_responses(401, 403, 404, 422, 502, 503, 504),
)

SlaAttacher = Annotated[Principal, Depends(requires(Permission.SLA_ATTACH))]


class TicketDetail(TicketRead):
    """A ticket with its SLA banner (operators only; ``null`` when unavailable)."""

    sla: TicketClocks | None = None


async def _visible(
    tickets: Upstream, ticket_id: uuid.UUID, who: Principal
) -> dict[str, Any]:
    """The ticket, or the tickets service's own answer raised when it is hidden."""
    answer = await tickets.call("GET", f"/v1/tickets/{ticket_id}", who)
    if answer.status != 200:
        raise Problem(answer.status, answer.json().get("detail", "not visible"))
    ticket: dict[str, Any] = answer.json()
    return ticket


def _sees_clocks(who: Principal) -> bool:
    return not who.is_requester


@router.get("/{ticket_id}/sla", response_model=TicketClocks)
async def ticket_clocks(
    ticket_id: uuid.UUID, who: TicketWorker, tickets: Tickets, sla: Sla
) -> Response:
    """The ticket's clocks: state, colour, due instants and business time left."""
    await _visible(tickets, ticket_id, who)
    if not _sees_clocks(who):
        hidden = TicketClocks(ticket_id=ticket_id, clocks=[])
        return Response(hidden.model_dump_json(), media_type="application/json")
    return await sla.forward("GET", f"/v1/tickets/{ticket_id}/sla", who)


@router.post("/{ticket_id}/sla", response_model=TicketClocks, status_code=201)
async def attach_clock(
    ticket_id: uuid.UUID,
    body: ClockAttach,
    who: SlaAttacher,
    tickets: Tickets,
    sla: Sla,
) -> Response:
    """Attach a definition by hand (``support:sla:attach``); topic changes keep it.

    The ticket read passes on, so a ticket the SLA service has not heard of yet
    (its creation event still on the way) can have a clock at once.
    """
    ticket = await _visible(tickets, ticket_id, who)
    call = ClockAttachCall(
        definition_id=body.definition_id,
        ticket=TicketSeen.model_validate(
            {k: ticket[k] for k in TicketSeen.model_fields}
        ),
    )
    return await sla.forward(
        "POST",
        f"/v1/tickets/{ticket_id}/sla",
        who,
        json_body=call.model_dump_json().encode(),
    )


@router.delete("/{ticket_id}/sla/{clock_id}", status_code=204)
async def detach_clock(
    ticket_id: uuid.UUID,
    clock_id: uuid.UUID,
    who: SlaAttacher,
    tickets: Tickets,
    sla: Sla,
) -> Response:
    await _visible(tickets, ticket_id, who)
    return await sla.forward("DELETE", f"/v1/tickets/{ticket_id}/sla/{clock_id}", who)


async def ticket_with_banner(
    ticket_id: uuid.UUID, who: Principal, tickets: Tickets, sla: Sla
) -> Response:
    """The ticket as the tickets service answers it, plus ``sla`` for operators.

    Both services are asked at once; the banner is only added when the ticket
    answer is a success. An SLA service that fails leaves ``sla`` null rather
    than failing the ticket.
    """
    path = f"/v1/tickets/{ticket_id}"
    if not _sees_clocks(who):
        return await tickets.forward("GET", path, who)
    ticket_call = tickets.call("GET", path, who)
    sla_call = sla.call("GET", f"{path}/sla", who)
    ticket, clocks = await asyncio.gather(ticket_call, sla_call, return_exceptions=True)
    if isinstance(ticket, BaseException):
        raise ticket
    if ticket.status >= 500:
        raise Problem(502, "the tickets service failed to answer the request")
    kept = {k: v for k, v in ticket.headers.items() if k in PASSED_HEADERS}
    if ticket.status != 200:
        return Response(ticket.body, status_code=ticket.status, headers=kept)
    document: dict[str, Any] = ticket.json()
    if isinstance(clocks, BaseException) or clocks.status != 200:
        log.warning("no SLA banner for %s: %r", ticket_id, clocks)
        document["sla"] = None
    else:
        document["sla"] = clocks.json()
    return Response(orjson.dumps(document), status_code=200, headers=kept)
