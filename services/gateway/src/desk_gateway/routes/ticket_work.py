"""``/v1/tickets/{id}/assignees`` and ``/tags``: working a ticket's assignment."""

import uuid
from typing import Annotated
from urllib.parse import quote

from desk_infra.problems import problem_responses
from fastapi import APIRouter, Path, Response
from helpdesk_contracts.api.tickets import AssigneeRef, TagAdd, TicketRead
from helpdesk_contracts.vocabulary import AssigneeKind

from desk_gateway.guards import TicketWorker
from desk_gateway.routes.deps import Tickets

router = APIRouter(
    prefix="/v1/tickets/{ticket_id}",
    tags=["tickets"],
    responses=problem_responses(401, 403, 404, 422, 502, 503, 504),
)

AssigneeId = Annotated[str, Path(min_length=1, max_length=128)]
Tag = Annotated[str, Path(min_length=1, max_length=100)]


@router.post("/assignees", response_model=TicketRead, summary="Add an assignee")
async def add_assignee(
    ticket_id: uuid.UUID, body: AssigneeRef, who: TicketWorker, tickets: Tickets
) -> Response:
    """A user or team as an additional assignee (the primary if there is none)."""
    payload = body.model_dump_json().encode()
    return await tickets.forward(
        "POST", f"/v1/tickets/{ticket_id}/assignees", who, json_body=payload
    )


@router.put("/assignees/primary", response_model=TicketRead, summary="Make primary")
async def make_primary(
    ticket_id: uuid.UUID, body: AssigneeRef, who: TicketWorker, tickets: Tickets
) -> Response:
    """The former primary stays as an additional assignee."""
    payload = body.model_dump_json().encode()
    return await tickets.forward(
        "PUT", f"/v1/tickets/{ticket_id}/assignees/primary", who, json_body=payload
    )


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
) -> Response:
    """Removing the primary promotes the longest-assigned other assignee."""
    path = f"/v1/tickets/{ticket_id}/assignees/{kind.value}/{quote(assignee_id, '')}"
    return await tickets.forward("DELETE", path, who)


@router.post("/tags", response_model=TicketRead, summary="Tag a ticket")
async def add_tag(
    ticket_id: uuid.UUID, body: TagAdd, who: TicketWorker, tickets: Tickets
) -> Response:
    """Tags are trimmed and lower-cased; adding one twice changes nothing."""
    payload = body.model_dump_json().encode()
    return await tickets.forward(
        "POST", f"/v1/tickets/{ticket_id}/tags", who, json_body=payload
    )


@router.delete("/tags/{tag:path}", response_model=TicketRead, summary="Untag a ticket")
async def remove_tag(
    ticket_id: uuid.UUID, tag: Tag, who: TicketWorker, tickets: Tickets
) -> Response:
    path = f"/v1/tickets/{ticket_id}/tags/{quote(tag, '')}"
    return await tickets.forward("DELETE", path, who)
