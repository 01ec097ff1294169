"""Events and people for the notifications unit tests."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from desk_notifications.domain.model import Recipient
from helpdesk_contracts import Envelope
from helpdesk_contracts.envelope import EventData
from helpdesk_contracts.sla.v1 import NotifyTargets, SlaBreached, SlaWarning
from helpdesk_contracts.tickets.v1 import (
    Actor,
    Assignee,
    TicketAssigneesChanged,
    TicketCommentAdded,
    TicketStatusChanged,
)
from helpdesk_contracts.vocabulary import ActorKind, AssigneeKind

TICKET = uuid.UUID("0b8f6f3e-6c1a-4f4e-9a59-1d2a3c4b5e6f")
REFERENCE = "SR-2026-0042"
NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
OPERATOR = Actor(id="olga", kind=ActorKind.OPERATOR)
REQUESTER = Actor(id="rita", kind=ActorKind.REQUESTER)


def user(user_id: str) -> Assignee:
    return Assignee(kind=AssigneeKind.USER, id=user_id)


def team(team_id: str) -> Assignee:
    return Assignee(kind=AssigneeKind.TEAM, id=team_id)


def person(user_id: str, *teams: str, email: bool = True) -> Recipient:
    address = f"{user_id}@example.com" if email else None
    return Recipient(user_id, user_id.title(), address, frozenset(teams))


def wrap(data: EventData) -> Envelope[Any]:
    return Envelope.wrap(
        data,
        source="tests",
        tenant_id="tenant-a",
        aggregate_id=str(TICKET),
        aggregate_version=3,
    )


def sla_point(
    breached: bool = True,
    template: str = "{{ ticket.reference }} is late for {{ recipient.name }}",
    **fields: Any,
) -> Envelope[Any]:
    event = SlaBreached if breached else SlaWarning
    defaults: dict[str, Any] = {
        "clock_id": uuid.uuid4(),
        "ticket_id": TICKET,
        "reference": REFERENCE,
        "definition_id": uuid.uuid4(),
        "definition_name": "Gold",
        "due_at": NOW - timedelta(minutes=5),
        "fired_at": NOW,
        "colour": "#d00",
        "message_template": template,
        "notify": NotifyTargets(primary_assignee=True),
        "subject": "Printer jammed",
        "status": "open",
        "priority": "high",
        "requester_id": "rita",
        "primary_assignee": user("olga"),
        "breach_due_at": NOW + timedelta(hours=2),
    }
    return wrap(event(**{**defaults, **fields}))


def comment(**fields: Any) -> Envelope[Any]:
    defaults: dict[str, Any] = {
        "ticket_id": TICKET,
        "reference": REFERENCE,
        "actor": OPERATOR,
        "comment_id": uuid.uuid4(),
        "author": OPERATOR,
        "body": "We replaced the toner.",
        "internal": False,
        "requester_id": "rita",
        "subject": "Printer jammed",
        "created_at": NOW,
    }
    return wrap(TicketCommentAdded(**{**defaults, **fields}))


def assignees(**fields: Any) -> Envelope[Any]:
    defaults: dict[str, Any] = {
        "ticket_id": TICKET,
        "reference": REFERENCE,
        "actor": OPERATOR,
        "subject": "Printer jammed",
    }
    return wrap(TicketAssigneesChanged(**{**defaults, **fields}))


def status(to: str, actor: Actor = OPERATOR, **fields: Any) -> Envelope[Any]:
    defaults: dict[str, Any] = {
        "ticket_id": TICKET,
        "reference": REFERENCE,
        "actor": actor,
        "from_status": "in_progress",
        "to_status": to,
        "changed_at": NOW,
        "requester_id": "rita",
        "subject": "Printer jammed",
    }
    return wrap(TicketStatusChanged(**{**defaults, **fields}))
