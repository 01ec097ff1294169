"""Test data for the tickets domain: a ticket and an actor with sensible defaults."""

import uuid
from datetime import UTC, datetime
from typing import Any

from desk_tickets.domain.access import Actor
from desk_tickets.domain.model import Ticket
from helpdesk_contracts.vocabulary import (
    ActorKind,
    Priority,
    TicketChannel,
    TicketStatus,
)

TENANT = "acme"
CREATED = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def make_ticket(**changes: Any) -> Ticket:
    """An open ticket of tenant ``acme``, raised by nobody in particular."""
    ticket = Ticket(
        id=uuid.UUID("00000000-0000-4000-8000-000000000001"),
        tenant_id=TENANT,
        reference="SR-2024-0001",
        subject="Printer on fire",
        description="Smoke from the tray.",
        status=TicketStatus.OPEN,
        priority=Priority.MEDIUM,
        channel=TicketChannel.PORTAL,
        topic_id=None,
        sub_topic_id=None,
        requester_id="someone-else",
        created_by_id="someone-else",
        created_by_kind=ActorKind.REQUESTER,
        member_id=None,
        customer_id=None,
        location_id=None,
        latitude=None,
        longitude=None,
        resolved_at=None,
        resolved_by=None,
        closed_at=None,
        closed_by=None,
        created_at=CREATED,
        updated_at=CREATED,
        version=1,
    )
    return ticket.with_changes(**changes)


def make_actor(
    user_id: str = "ann",
    kind: ActorKind = ActorKind.OPERATOR,
    permissions: frozenset[str] = frozenset(),
    team_ids: frozenset[str] = frozenset(),
) -> Actor:
    return Actor(
        tenant_id=TENANT,
        user_id=user_id,
        kind=kind,
        permissions=permissions,
        team_ids=team_ids,
    )
