"""``/v1/tickets``: log, list, read, change and delete tickets; read their history."""

import uuid
from typing import Annotated, Literal

from desk_infra.problems import problem_responses
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from helpdesk_contracts.api.common import Page
from helpdesk_contracts.api.tickets import (
    AuditEntryRead,
    TicketCreate,
    TicketListQuery,
    TicketPage,
    TicketRead,
    TicketUpdate,
)
from helpdesk_contracts.permissions import Permission

from desk_gateway.auth import Principal
from desk_gateway.guards import TicketReader, TicketWorker, requires
from desk_gateway.routes.deps import IfMatch, Sla, Tickets
from desk_gateway.routes.ticket_sla import TicketDetail, ticket_with_banner

router = APIRouter(
    prefix="/v1/tickets",
    tags=["tickets"],
    responses=problem_responses(401, 403, 422, 502, 503, 504),
)

PROBLEMS = problem_responses(404)
CHANGES = problem_responses(404, 412)


@router.post(
    "",
    response_model=TicketRead,
    status_code=201,
    responses=PROBLEMS,
    summary="Log a ticket",
)
async def open_ticket(
    body: TicketCreate, who: TicketWorker, tickets: Tickets
) -> Response:
    """Requesters raise their own; operators may log one on a requester's behalf."""
    payload = body.model_dump_json(exclude_unset=True).encode()
    return await tickets.forward("POST", "/v1/tickets", who, json_body=payload)


@router.get("", response_model=TicketPage, responses=PROBLEMS, summary="List tickets")
async def list_tickets(
    request: Request,
    who: TicketReader,
    tickets: Tickets,
    query: Annotated[TicketListQuery, Query()],
) -> Response:
    """The Requests list: newest first by default; filters combine; ``q`` searches
    references, subjects, descriptions and public comments. Requesters see only
    the tickets they raised or that were raised for them."""
    return await tickets.forward(
        "GET", "/v1/tickets", who, params=list(request.query_params.multi_items())
    )


@router.get(
    "/by-reference/{reference}",
    response_model=TicketRead,
    responses=PROBLEMS,
    summary="Find a ticket by its reference",
)
async def get_ticket_by_reference(
    reference: Annotated[str, Path(max_length=32, pattern=r"^[A-Za-z]+-\d{4}-\d+$")],
    who: TicketReader,
    tickets: Tickets,
) -> Response:
    return await tickets.forward("GET", f"/v1/tickets/by-reference/{reference}", who)


@router.get("/{ticket_id}", response_model=TicketDetail, responses=PROBLEMS)
async def get_ticket(
    ticket_id: uuid.UUID, who: TicketReader, tickets: Tickets, sla: Sla
) -> Response:
    """The ticket, with an ``ETag`` to send back as ``If-Match`` when changing it,
    and for operators its SLA banner (``sla``)."""
    return await ticket_with_banner(ticket_id, who, tickets, sla)


@router.patch("/{ticket_id}", response_model=TicketRead, responses=CHANGES)
async def change_ticket(
    ticket_id: uuid.UUID,
    body: TicketUpdate,
    who: TicketWorker,
    tickets: Tickets,
    if_match: IfMatch,
) -> Response:
    """Change fields, status (reopening included), topic or primary assignee."""
    payload = body.model_dump_json(exclude_unset=True).encode()
    return await tickets.forward(
        "PATCH", f"/v1/tickets/{ticket_id}", who, json_body=payload, headers=if_match
    )


@router.delete("/{ticket_id}", status_code=204, responses=CHANGES)
async def delete_ticket(
    ticket_id: uuid.UUID,
    who: Annotated[Principal, Depends(requires(Permission.REQUEST_DELETE_ALL))],
    tickets: Tickets,
    if_match: IfMatch,
) -> Response:
    return await tickets.forward(
        "DELETE", f"/v1/tickets/{ticket_id}", who, headers=if_match
    )


@router.get(
    "/{ticket_id}/audit", response_model=Page[AuditEntryRead], responses=PROBLEMS
)
async def ticket_audit(
    ticket_id: uuid.UUID,
    request: Request,
    who: TicketReader,
    tickets: Tickets,
    order: Literal["oldest", "newest"] = "oldest",
    cursor: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """Every change to the ticket: who, when, and each field before and after."""
    return await tickets.forward(
        "GET",
        f"/v1/tickets/{ticket_id}/audit",
        who,
        params=list(request.query_params.multi_items()),
    )
