"""Internal API: working a ticket's assignees and tags."""

import uuid
from typing import Annotated

from desk_infra.logs import bind_log_context
from fastapi import APIRouter, Path, Response
from helpdesk_contracts.api.tickets import AssigneeRef, TagAdd, TicketRead
from helpdesk_contracts.vocabulary import AssigneeKind

from desk_tickets.entrypoints.http import (
    ActorDep,
    IfMatchDep,
    UowDep,
    ticket_response,
)
from desk_tickets.service_layer import assignees, ticket_tags
from desk_tickets.service_layer.ticket_edits import committed

router = APIRouter(prefix="/v1/tickets/{ticket_id}")

AssigneeId = Annotated[str, Path(min_length=1, max_length=128)]
Tag = Annotated[str, Path(min_length=1, max_length=100)]


@router.post("/assignees", response_model=TicketRead)
async def add_assignee(
    ticket_id: uuid.UUID,
    body: AssigneeRef,
    unit: UowDep,
    who: ActorDep,
    versions: IfMatchDep,
) -> Response:
    bind_log_context(ticket_id=str(ticket_id))
    ticket = await committed(
        unit, lambda u: assignees.add_assignee(u, who, ticket_id, body, versions)
    )
    return ticket_response(ticket)


@router.put("/assignees/primary", response_model=TicketRead)
async def make_primary(
    ticket_id: uuid.UUID,
    body: AssigneeRef,
    unit: UowDep,
    who: ActorDep,
    versions: IfMatchDep,
) -> Response:
    bind_log_context(ticket_id=str(ticket_id))
    ticket = await committed(
        unit, lambda u: assignees.make_primary(u, who, ticket_id, body, versions)
    )
    return ticket_response(ticket)


@router.delete("/assignees/{kind}/{assignee_id}", response_model=TicketRead)
async def remove_assignee(
    ticket_id: uuid.UUID,
    kind: AssigneeKind,
    assignee_id: AssigneeId,
    unit: UowDep,
    who: ActorDep,
    versions: IfMatchDep,
) -> Response:
    bind_log_context(ticket_id=str(ticket_id))
    ref = AssigneeRef(kind=kind, id=assignee_id)
    ticket = await committed(
        unit, lambda u: assignees.remove_assignee(u, who, ticket_id, ref, versions)
    )
    return ticket_response(ticket)


@router.post("/tags", response_model=TicketRead)
async def add_tag(
    ticket_id: uuid.UUID,
    body: TagAdd,
    unit: UowDep,
    who: ActorDep,
    versions: IfMatchDep,
) -> Response:
    bind_log_context(ticket_id=str(ticket_id))
    ticket = await committed(
        unit, lambda u: ticket_tags.add_tag(u, who, ticket_id, body.tag, versions)
    )
    return ticket_response(ticket)


@router.delete("/tags/{tag:path}", response_model=TicketRead)
async def remove_tag(
    ticket_id: uuid.UUID, tag: Tag, unit: UowDep, who: ActorDep, versions: IfMatchDep
) -> Response:
    bind_log_context(ticket_id=str(ticket_id))
    ticket = await committed(
        unit, lambda u: ticket_tags.remove_tag(u, who, ticket_id, tag, versions)
    )
    return ticket_response(ticket)
