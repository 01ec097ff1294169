"""Tickets: the record, its lifecycle, its reference numbers."""

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from helpdesk_contracts.vocabulary import (
    ActorKind,
    AssigneeKind,
    Priority,
    TicketChannel,
    TicketStatus,
)

REFERENCE_PREFIX = "SR"


def format_reference(year: int, number: int) -> str:
    """``SR-2024-0001``; past 9999 the number simply grows wider."""
    return f"{REFERENCE_PREFIX}-{year}-{number:04d}"


@dataclass(frozen=True, slots=True)
class Assignee:
    kind: AssigneeKind
    id: str
    primary: bool = False


@dataclass(frozen=True, slots=True)
class Ticket:
    id: uuid.UUID
    tenant_id: str
    reference: str
    subject: str
    description: str
    status: TicketStatus
    priority: Priority
    channel: TicketChannel
    topic_id: uuid.UUID | None
    sub_topic_id: uuid.UUID | None
    requester_id: str | None
    created_by_id: str
    created_by_kind: ActorKind
    member_id: str | None
    customer_id: str | None
    location_id: str | None
    latitude: float | None
    longitude: float | None
    resolved_at: datetime | None
    resolved_by: str | None
    closed_at: datetime | None
    closed_by: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    assignees: tuple[Assignee, ...] = field(default=())
    tags: tuple[str, ...] = field(default=())
    requester_email: str | None = None
    """Who asked, by address, when the directory did not know them (mail)."""
    requester_name: str | None = None

    @property
    def primary_assignee(self) -> Assignee | None:
        return next((a for a in self.assignees if a.primary), None)

    @property
    def additional_assignees(self) -> list[Assignee]:
        return [a for a in self.assignees if not a.primary]

    def with_changes(self, **values: Any) -> "Ticket":
        return replace(self, **values)


OPEN_STATES = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.PENDING)
DONE_STATES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


def status_stamps(
    ticket: Ticket, new: TicketStatus, user_id: str, now: datetime
) -> dict[str, Any]:
    """The columns a move from the ticket's status to ``new`` sets, status included.

    Resolving stamps who and when; closing stamps who and when and keeps an earlier
    resolution; reopening clears both, the audit log keeping the history.
    """
    old = ticket.status
    match old, new:
        case _ if old == new:
            return {}
        case _, TicketStatus.RESOLVED:
            stamps = {"resolved_at": now, "resolved_by": user_id}
            return {"status": new, **stamps, "closed_at": None, "closed_by": None}
        case _, TicketStatus.CLOSED:
            return {"status": new, "closed_at": now, "closed_by": user_id}
        case ((TicketStatus.RESOLVED | TicketStatus.CLOSED), _):
            cleared = {"resolved_at": None, "resolved_by": None}
            return {"status": new, **cleared, "closed_at": None, "closed_by": None}
        case _:
            return {"status": new}
