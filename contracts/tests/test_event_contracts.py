"""Every event class travels in its envelope and is named by the conventions."""

import re
import uuid
from datetime import UTC, datetime

import pytest
from helpdesk_contracts import Envelope, EventData
from helpdesk_contracts.catalog import ALL_EVENTS, envelope_model
from helpdesk_contracts.envelope import TYPE_PREFIX
from helpdesk_contracts.mail import v1 as mail_v1
from helpdesk_contracts.sla import v1 as sla_v1
from helpdesk_contracts.teams import v1 as teams_v1
from helpdesk_contracts.tickets import v1 as tickets_v1
from helpdesk_contracts.vocabulary import (
    ActorKind,
    AssigneeKind,
    Priority,
    TicketChannel,
    TicketStatus,
)

NOW = datetime(2025, 3, 14, 9, 26, 53, 589000, tzinfo=UTC)
TICKET_ID = uuid.UUID("0195a0c4-7d2e-7000-8000-00000000beef")
ACTOR = tickets_v1.Actor(id="user-42", kind=ActorKind.OPERATOR)
TEAM = tickets_v1.Assignee(kind=AssigneeKind.TEAM, id="team-1")
USER = tickets_v1.Assignee(kind=AssigneeKind.USER, id="user-7")
TICKET = tickets_v1.TicketSnapshot(
    id=TICKET_ID,
    reference="SD-1042",
    subject="Printer on fire",
    description="Smoke from tray 2.",
    status=TicketStatus.OPEN,
    priority=Priority.URGENT,
    channel=TicketChannel.EMAIL,
    topic_id=uuid.uuid4(),
    requester_id="user-9",
    created_by=ACTOR,
    map_pin=tickets_v1.MapPin(latitude=52.37, longitude=4.89),
    primary_assignee=TEAM,
    additional_assignees=[USER],
    tags=["hardware", "ünïcode"],
    created_at=NOW,
    updated_at=NOW,
    version=3,
)
COMMON = {"ticket_id": TICKET_ID, "reference": "SD-1042", "actor": ACTOR}
FILE = tickets_v1.CommentAttachment(
    id=uuid.uuid4(), filename="smoke.jpg", content_type="image/jpeg", size=81_920
)
CLOCK = {
    "clock_id": uuid.uuid4(),
    "ticket_id": TICKET_ID,
    "reference": "SD-1042",
    "definition_id": uuid.uuid4(),
    "definition_name": "Urgent hardware",
}
POINT = {
    **CLOCK,
    "due_at": NOW,
    "fired_at": NOW,
    "colour": "#d32f2f",
    "message_template": "{{ ticket.reference }} breached",
    "notify": sla_v1.NotifyTargets(users=["user-1"], primary_assignee=True),
    "actions": [
        sla_v1.SlaAction(kind=sla_v1.SlaActionKind.REASSIGN_PRIMARY, assignee=TEAM),
        sla_v1.SlaAction(
            kind=sla_v1.SlaActionKind.RAISE_PRIORITY, priority=Priority.URGENT
        ),
    ],
    "subject": "Printer on fire",
    "status": TicketStatus.OPEN,
    "priority": Priority.HIGH,
    "primary_assignee": USER,
    "additional_assignees": [TEAM],
}

SAMPLES: dict[type[EventData], EventData] = {
    tickets_v1.TicketCreated: tickets_v1.TicketCreated(
        **COMMON, ticket=TICKET, default_sla_id=uuid.uuid4()
    ),
    tickets_v1.TicketUpdated: tickets_v1.TicketUpdated(
        **COMMON,
        ticket=TICKET,
        changes={"priority": tickets_v1.FieldChange(before="low", after="urgent")},
    ),
    tickets_v1.TicketStatusChanged: tickets_v1.TicketStatusChanged(
        **COMMON,
        from_status=TicketStatus.OPEN,
        to_status=TicketStatus.RESOLVED,
        changed_at=NOW,
        requester_id="user-9",
    ),
    tickets_v1.TicketTopicChanged: tickets_v1.TicketTopicChanged(
        **COMMON, from_topic_id=uuid.uuid4(), topic_id=uuid.uuid4()
    ),
    tickets_v1.TicketAssigneesChanged: tickets_v1.TicketAssigneesChanged(
        **COMMON, primary=USER, additional=[TEAM], previous_primary=TEAM
    ),
    tickets_v1.TicketDeleted: tickets_v1.TicketDeleted(**COMMON, deleted_at=NOW),
    tickets_v1.TicketCommentAdded: tickets_v1.TicketCommentAdded(
        **COMMON,
        comment_id=uuid.uuid4(),
        author=ACTOR,
        body="@user-7 can you look?",
        internal=True,
        mentions=["user-7"],
        attachments=[FILE],
        requester_id="user-9",
        subject="Printer on fire",
        created_at=NOW,
    ),
    tickets_v1.TicketCommentDeleted: tickets_v1.TicketCommentDeleted(
        **COMMON, comment_id=uuid.uuid4(), internal=False, deleted_at=NOW
    ),
    tickets_v1.TicketAttachmentAdded: tickets_v1.TicketAttachmentAdded(
        **COMMON, attachment=FILE
    ),
    tickets_v1.TicketAttachmentDeleted: tickets_v1.TicketAttachmentDeleted(
        **COMMON, attachment_id=FILE.id, comment_id=uuid.uuid4(), internal=True
    ),
    teams_v1.TeamChanged: teams_v1.TeamChanged(
        team_id=uuid.uuid4(),
        version=2,
        name="Field service",
        member_ids=["user-7", "user-8"],
        changed_at=NOW,
    ),
    teams_v1.TeamDeleted: teams_v1.TeamDeleted(
        team_id=uuid.uuid4(), version=3, deleted_at=NOW
    ),
    sla_v1.SlaWarning: sla_v1.SlaWarning(**POINT),
    sla_v1.SlaBreached: sla_v1.SlaBreached(**POINT),
    sla_v1.SlaClockChanged: sla_v1.SlaClockChanged(
        **CLOCK,
        phase=sla_v1.ClockPhase.PAUSED,
        state=sla_v1.SlaState.WARNING,
        manual=False,
        warning_due_at=NOW,
        breach_due_at=NOW,
        elapsed_seconds=3600.5,
        remaining_seconds=1800,
        changed_at=NOW,
    ),
    mail_v1.MailReceived: mail_v1.MailReceived(
        mail_id=uuid.uuid4(),
        message_id="<CAF=abc@mail.example.com>",
        mailbox="support@acme.example",
        from_address="jane@example.com",
        from_name="Jane Doe",
        subject="Re: [SR-2024-0001] Printer",
        body="It is smoking again.",
        full_body="It is smoking again.\n\nOn Monday, the desk wrote:\n> Fixed?",
        references=["<desk.x@desk.example>"],
        ticket_reference="SR-2024-0001",
        attachments=[
            mail_v1.MailAttachment(
                blob_key="mail/ab/cd",
                filename="photo.jpg",
                content_type="image/jpeg",
                size=2048,
                inline=True,
                content_id="<img1>",
            )
        ],
        raw_blob_key="mail/raw/ab",
        received_at=NOW,
    ),
}
"""One filled-in instance per event class: add one with every new event."""

IDS = [event.event_type for event in ALL_EVENTS]
VERSIONED = re.compile(r"\.v(?P<major>[1-9][0-9]*)$")


def test_every_event_class_has_a_sample() -> None:
    assert set(SAMPLES) == set(ALL_EVENTS)


def test_event_types_are_distinct() -> None:
    assert len(set(IDS)) == len(IDS)


@pytest.mark.parametrize("event", ALL_EVENTS, ids=IDS)
def test_round_trips_through_its_envelope(event: type[EventData]) -> None:
    data = SAMPLES[event]
    envelope = Envelope.wrap(
        data,
        source="/supportdesk/tickets",
        tenant_id="tenant-a",
        aggregate_id=str(TICKET_ID),
        aggregate_version=7,
        correlation_id="req-1",
        causation_id="cmd-1",
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )

    parsed = envelope_model(event).parse(envelope.to_json())

    assert parsed == envelope
    assert type(parsed.data) is event
    assert parsed.data == data
    assert parsed.type == event.cloudevent_type()
    assert parsed.aggregatetype == event.aggregate_type
    assert parsed.routing_key == event.routing_key()


@pytest.mark.parametrize("event", ALL_EVENTS, ids=IDS)
def test_routing_key_is_aggregate_fact_and_major_version(
    event: type[EventData],
) -> None:
    key = event.routing_key()
    version = VERSIONED.search(key)

    assert key == event.event_type
    assert version is not None, f"{key} does not end in .v<major>"
    assert key.startswith(f"{event.aggregate_type}.")
    assert len(key.split(".")) == 3
    # The module an event lives in is its major version: tickets/v1.py is .v1.
    assert event.__module__.rsplit(".", 1)[-1] == f"v{version['major']}"


@pytest.mark.parametrize("event", ALL_EVENTS, ids=IDS)
def test_cloudevent_type_is_in_the_desk_namespace(event: type[EventData]) -> None:
    assert TYPE_PREFIX == "com.supportdesk."
    assert event.cloudevent_type().startswith("com.supportdesk.")
    assert event.cloudevent_type() == TYPE_PREFIX + event.event_type
