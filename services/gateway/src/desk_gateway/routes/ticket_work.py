"""``/v1/tickets/{id}/assignees`` and ``/tags``: working a ticket's assignment.

Each answers the ticket with its new ``ETag`` and honours ``If-Match``.
"""

import uuid
from typing import Annotated
from urllib.parse import quote

from desk_infra.problems import problem_responses
from fastapi import APIRouter, Path, Response
from helpdesk_contracts.api.tickets import AssigneeRef, TagAdd, TicketRead
from helpdesk_contracts.vocabulary import AssigneeKind

from desk_gateway.guards import TicketWorker
from desk_gateway.routes.deps import IfMatch, Tickets

router = APIRouter(
    prefix="/v1/tickets/{ticket_id}",
    tags=["tickets"],
    responses=problem_responses(401, 403, 404, 412, 422, 502, 503, 504),
)

AssigneeId = Annotated[str, Path(min_length=1, max_length=128)]
Tag = Annotated[str, Path(min_length=1, max_length=100)]


@router.post("/assignees", response_model=TicketRead, summary="Add an assignee")
async def add_assignee(
    ticket_id: uuid.UUID,
    body: AssigneeRef,
    who: TicketWorker,
    tickets: Tickets,
    if_match: IfMatch,
) -> Response:
    """A user or team as an additional assignee (the primary if there is none)."""
    payload = body.model_dump_json().encode()
    path = f"/v1/tickets/{ticket_id}/assignees"
    return await tickets.forward("POST", path, who, json_body=payload, headers=if_match)


@router.put("/assignees/primary", response_model=TicketRead, summary="Make primary")
async def make_primary(
    ticket_id: uuid.UUID,
    body: AssigneeRef,
    who: TicketWorker,
    tickets: Tickets,
    if_match: IfMatch,
) -> Response:
    """The former primary stays as an additional assignee."""
    payload = body.model_dump_json().encode()
    path = f"/v1/tickets/{ticket_id}/assignees/primary"
    return await tickets.forward("PUT", path, who, json_body=payload, headers=if_match)


@router.delete(
    "/assignees/{kind}/{assignee_id}",
    response_model=TicketRead,
    summary="Remove an assignee",
)
async def remove_assignee(
    ticket_id: uuid.UUID,
    kind: AssigneeKind,
    assignee_id: AssigneeId,
    who: TicketWorker,
    tickets: Tickets,
    if_match: IfMatch,
) -> Response:
    """Removing the primary promotes the longest-assigned other assignee."""
    path = f"/v1/tickets/{ticket_id}/assignees/{kind.value}/{quote(assignee_id, '')}"
    return await tickets.forward("DELETE", path, who, headers=if_match)


@router.post("/tags", response_model=TicketRead, summary="Tag a ticket")
async def add_tag(
    ticket_id: uuid.UUID,
    body: TagAdd,
    who: TicketWorker,
    tickets: Tickets,
    if_match: IfMatch,
) -> Response:
    """Tags are trimmed and lower-cased; adding one twice changes nothing."""
    payload = body.model_dump_json().encode()
    path = f"/v1/tickets/{ticket_id}/tags"
    return await tickets.forward("POST", path, who, json_body=payload, headers=if_match)


@router.delete("/tags/{tag:path}", response_model=TicketRead, summary="Untag a ticket")
async def remove_tag(
    ticket_id: uuid.UUID,
    tag: Tag,
    who: TicketWorker,
    tickets: Tickets,
    if_match: IfMatch,
) -> Response:
    path = f"/v1/tickets/{ticket_id}/tags/{quote(tag, '')}"
    return await tickets.forward("DELETE", path, who, headers=if_match)
