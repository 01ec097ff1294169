"""The fast ticket encoding says exactly what ``TicketRead`` would."""

import json
import uuid
from datetime import UTC, datetime

import pytest
from asyncpg.pgproto.pgproto import UUID as PgUUID
from desk_tickets.domain.model import Assignee, Ticket
from desk_tickets.service_layer.views import ticket_json, ticket_read
from helpdesk_contracts.api.tickets import TicketRead
from helpdesk_contracts.vocabulary import AssigneeKind, TicketStatus

from tests.unit.builders import make_ticket

RESOLVED = datetime(2024, 3, 2, 10, 30, 15, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    "ticket",
    [
        make_ticket(),
        # Rows read through asyncpg carry its own UUID type.
        make_ticket(id=PgUUID("00000000-0000-4000-8000-0000000000bb")),
        make_ticket(
            status=TicketStatus.RESOLVED,
            resolved_at=RESOLVED,
            resolved_by="ann",
            latitude=51.5,
            longitude=-0.12,
            topic_id=uuid.UUID("00000000-0000-4000-8000-0000000000aa"),
            assignees=(
                Assignee(AssigneeKind.USER, "ann", primary=True),
                Assignee(AssigneeKind.TEAM, "plumbers"),
            ),
        ),
    ],
)
def test_the_fast_encoding_matches_the_schema(ticket: Ticket) -> None:
    expected = json.loads(ticket_read(ticket).model_dump_json())

    encoded = ticket_json(ticket)

    assert json.loads(encoded) == expected
    assert TicketRead.model_validate_json(encoded) == ticket_read(ticket)
