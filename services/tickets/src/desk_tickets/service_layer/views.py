"""Tickets as the API shows them and as events carry them."""

import enum
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from desk_infra.logs import current_log_context
from helpdesk_contracts import Envelope, EventData
from helpdesk_contracts.api.tickets import TicketRead
from helpdesk_contracts.tickets import v1

from desk_tickets.config import SERVICE
from desk_tickets.domain.access import Actor
from desk_tickets.domain.model import Assignee, Ticket

if TYPE_CHECKING:
    from desk_tickets.service_layer.ticket_list import TicketPage

SOURCE = f"supportdesk/{SERVICE}"


def _map_pin(ticket: Ticket) -> dict[str, float] | None:
    if ticket.latitude is None or ticket.longitude is None:
        return None
    return {"latitude": ticket.latitude, "longitude": ticket.longitude}


def _assignee(a: Assignee | None) -> dict[str, str] | None:
    return None if a is None else {"kind": a.kind.value, "id": a.id}


def ticket_fields(ticket: Ticket) -> dict[str, Any]:
    """The ticket as plain data, in the shape both ``TicketRead`` and events use."""
    return {
        "id": ticket.id,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "description": ticket.description,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "topic_id": ticket.topic_id,
        "sub_topic_id": ticket.sub_topic_id,
        "requester_id": ticket.requester_id,
        "requester_email": ticket.requester_email,
        "requester_name": ticket.requester_name,
        "created_by": {"id": ticket.created_by_id, "kind": ticket.created_by_kind},
        "member_id": ticket.member_id,
        "customer_id": ticket.customer_id,
        "location_id": ticket.location_id,
        "map_pin": _map_pin(ticket),
        "primary_assignee": _assignee(ticket.primary_assignee),
        "additional_assignees": [_assignee(a) for a in ticket.additional_assignees],
        "tags": list(ticket.tags),
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "resolved_at": ticket.resolved_at,
        "resolved_by": ticket.resolved_by,
        "closed_at": ticket.closed_at,
        "closed_by": ticket.closed_by,
        "version": ticket.version,
    }


def ticket_read(ticket: Ticket) -> TicketRead:
    return TicketRead.model_validate(ticket_fields(ticket))


def ticket_json(ticket: Ticket) -> bytes:
    """The ``TicketRead`` document, encoded straight from the ticket's fields."""
    # default=str covers the UUID type asyncpg returns, which orjson does not know.
    return orjson.dumps(ticket_fields(ticket), option=orjson.OPT_UTC_Z, default=str)


def ticket_page_json(page: "TicketPage") -> bytes:
    """The ``TicketPage`` document, encoded straight from the tickets' fields: at
    50 tickets a page, validating each through pydantic cost more than the query."""
    document = {
        "items": [ticket_fields(t) for t in page.items],
        "next_cursor": page.next_cursor,
        "prev_cursor": page.prev_cursor,
        "total": page.total,
        "total_exact": page.total_exact,
    }
    return orjson.dumps(document, option=orjson.OPT_UTC_Z, default=str)


def snapshot(ticket: Ticket) -> v1.TicketSnapshot:
    return v1.TicketSnapshot.model_validate(ticket_fields(ticket))


def event_actor(actor: Actor) -> v1.Actor:
    return v1.Actor(id=actor.user_id, kind=actor.kind)


def envelope(data: EventData, ticket: Ticket) -> Envelope[Any]:
    context = current_log_context()
    return Envelope.wrap(
        data,
        source=SOURCE,
        tenant_id=ticket.tenant_id,
        aggregate_id=str(ticket.id),
        aggregate_version=ticket.version,
        correlation_id=context.get("correlation_id"),
    )


def plain(value: Any) -> Any:
    """A value as JSON can hold it, for the audit log."""
    match value:
        case enum.Enum():
            return value.value
        case uuid.UUID():
            return str(value)
        case datetime():
            return value.isoformat()
        case Assignee():
            return _assignee(value)
        case list() | tuple():
            return [plain(v) for v in value]
        case dict():
            return {k: plain(v) for k, v in value.items()}
        case _:
            return value
