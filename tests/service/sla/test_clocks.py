"""Live clocks on the real database: ticket events in, due points out, once each."""

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
import httpx
import pytest
from desk_infra.db import create_engine
from desk_sla.adapters import tables
from desk_sla.config import SlaSettings
from desk_sla.service_layer import ticket_events
from desk_sla.service_layer.clocks import banners
from desk_sla.service_layer.timers import fire_due
from helpdesk_contracts.envelope import Envelope, EventData, envelope_of
from helpdesk_contracts.sla.v1 import (
    ClockPhase,
    SlaBreached,
    SlaClockChanged,
    SlaState,
    SlaWarning,
)
from helpdesk_contracts.tickets import v1 as tickets_v1
from helpdesk_contracts.vocabulary import ActorKind, Priority, TicketStatus
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import unique
from tests.service.sla.conftest import Caller

ACTOR = tickets_v1.Actor(id="alice", kind=ActorKind.OPERATOR)
T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)  # a Monday
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")


@pytest.fixture
async def engine(sla_settings: SlaSettings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(sla_settings, sla_settings.sla_database)
    yield engine
    await engine.dispose()


@pytest.fixture
async def desk(sla_service: httpx.AsyncClient) -> Caller:
    return Caller(sla_service, unique("tenant"))


async def definition(desk: Caller, **body: Any) -> uuid.UUID:
    answer = await desk.post(
        "/v1/sla/definitions",
        {
            "name": unique("four hours"),
            "warning": {"value": 3, "unit": "hour"},
            "breach": {"value": 4, "unit": "hour"},
            "pause_when": ["pending"],
            "notify": {"primary_assignee": True},
            "on_breach": [{"kind": "raise_priority", "priority": "urgent"}],
            **body,
        },
    )
    assert answer.status_code == 201, answer.text
    return uuid.UUID(answer.json()["id"])


class Ticket:
    """Writes the events the tickets service would publish for one ticket."""

    def __init__(self, desk: Caller) -> None:
        self.tenant = desk.tenant
        self.id = uuid.uuid4()
        self.reference = unique("SR")
        self.version = 0

    def envelope(self, data: EventData, at: datetime, version: int) -> Envelope[Any]:
        envelope = Envelope.wrap(
            data,
            source="/tests",
            tenant_id=self.tenant,
            aggregate_id=str(self.id),
            aggregate_version=version,
        )
        return envelope.model_copy(update={"time": at})

    def created(self, at: datetime, sla: uuid.UUID | None) -> Envelope[Any]:
        self.version += 1
        snapshot = tickets_v1.TicketSnapshot(
            id=self.id,
            reference=self.reference,
            subject="Printer on fire",
            description="Smoke",
            status=TicketStatus.OPEN,
            priority=Priority.HIGH,
            created_by=ACTOR,
            primary_assignee=tickets_v1.Assignee(kind="user", id="bob"),
            created_at=at,
            updated_at=at,
            version=self.version,
        )
        data = tickets_v1.TicketCreated(
            ticket_id=self.id,
            reference=self.reference,
            actor=ACTOR,
            ticket=snapshot,
            default_sla_id=sla,
        )
        return self.envelope(data, at, self.version)

    def status(
        self, before: TicketStatus, after: TicketStatus, at: datetime
    ) -> Envelope[Any]:
        self.version += 1
        data = tickets_v1.TicketStatusChanged(
            ticket_id=self.id,
            reference=self.reference,
            actor=ACTOR,
            from_status=before,
            to_status=after,
            changed_at=at,
        )
        return self.envelope(data, at, self.version)

    def topic(self, sla: uuid.UUID | None, at: datetime) -> Envelope[Any]:
        self.version += 1
        data = tickets_v1.TicketTopicChanged(
            ticket_id=self.id, reference=self.reference, actor=ACTOR, default_sla_id=sla
        )
        return self.envelope(data, at, self.version)


async def consume(engine: AsyncEngine, *envelopes: Envelope[Any]) -> None:
    for envelope in envelopes:
        handler = ticket_events.HANDLERS[type(envelope.data)]
        await ticket_events.consumer(engine, handler)(envelope)


async def clocks_of(engine: AsyncEngine, ticket: Ticket) -> list[Any]:
    k = tables.clocks
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(k).where(k.c.ticket_id == ticket.id).order_by(k.c.attached_at)
        )
        return list(rows)


async def fire(engine: AsyncEngine, now: datetime) -> list[dict[str, Any]]:
    """Fire everything due at ``now``; the events of this test's tickets."""
    async with engine.begin() as conn:
        fired_before = await conn.scalar(
            select(tables.outbox.c.id).order_by(tables.outbox.c.id.desc()).limit(1)
        )
        while await fire_due(conn, now, 500):
            pass
        rows = await conn.execute(
            select(tables.outbox.c.body, tables.outbox.c.routing_key).where(
                tables.outbox.c.id > (fired_before or 0),
                tables.outbox.c.routing_key.in_(["sla.warning.v1", "sla.breached.v1"]),
            )
        )
        events = []
        for row in rows:
            model = SlaWarning if row.routing_key == "sla.warning.v1" else SlaBreached
            envelope_of(model).parse(row.body)  # the contract reads what was written
            events.append(json.loads(row.body))
        return events


async def test_a_ticket_with_a_topic_sla_gets_a_running_clock(
    engine: AsyncEngine, desk: Caller
) -> None:
    sla = await definition(desk)
    ticket = Ticket(desk)

    await consume(engine, ticket.created(T0, sla))

    [clock] = await clocks_of(engine, ticket)
    assert clock.phase == ClockPhase.RUNNING
    assert clock.manual is False
    assert clock.warning_due_at == T0 + timedelta(hours=3)
    assert clock.breach_due_at == T0 + timedelta(hours=4)
    assert clock.next_due_at == clock.warning_due_at


async def test_a_warning_that_would_not_come_first_is_left_out(
    engine: AsyncEngine, desk: Caller
) -> None:
    # Tuesday closes at 10:00 this week: one business day from Monday 09:00
    # counts 10 hours, from Tuesday 09:00 it counts 2 hours.
    calendar = await desk.post(
        "/v1/sla/calendars",
        {
            "name": unique("short tuesday"),
            "timezone": "UTC",
            "hours": {day: [["08:00", "18:00"]] for day in WORKDAYS},
            "overrides": {"2024-03-05": [["08:00", "10:00"]]},
        },
    )
    sla = await definition(
        desk,
        calendar_id=calendar.json()["id"],
        warning={"value": 4, "unit": "hour"},
        breach={"value": 1, "unit": "day"},
    )
    monday, tuesday = Ticket(desk), Ticket(desk)

    await consume(engine, monday.created(T0, sla))
    await consume(engine, tuesday.created(T0 + timedelta(days=1), sla))

    [long_day] = await clocks_of(engine, monday)
    [short_day] = await clocks_of(engine, tuesday)
    assert long_day.warning_due_at == T0 + timedelta(hours=4)
    assert long_day.breach_due_at == T0 + timedelta(days=1)
    assert short_day.warning_due_at is None
    assert short_day.breach_due_at == T0 + timedelta(days=2)


async def test_a_ticket_deleted_before_its_creation_arrives_gets_no_clock(
    engine: AsyncEngine, desk: Caller
) -> None:
    ticket = Ticket(desk)
    created = ticket.created(T0, await definition(desk))
    deleted = tickets_v1.TicketDeleted(
        ticket_id=ticket.id, reference=ticket.reference, actor=ACTOR, deleted_at=T0
    )

    await consume(engine, ticket.envelope(deleted, T0, 2), created)

    assert await clocks_of(engine, ticket) == []


async def test_pending_pauses_resolved_completes_and_reopening_resumes(
    engine: AsyncEngine, desk: Caller
) -> None:
    ticket = Ticket(desk)
    await consume(engine, ticket.created(T0, await definition(desk)))
    open_, pending, resolved = (
        TicketStatus.OPEN,
        TicketStatus.PENDING,
        TicketStatus.RESOLVED,
    )

    await consume(engine, ticket.status(open_, pending, T0 + timedelta(hours=1)))
    [paused] = await clocks_of(engine, ticket)
    await consume(engine, ticket.status(pending, open_, T0 + timedelta(hours=2)))
    [resumed] = await clocks_of(engine, ticket)
    await consume(engine, ticket.status(open_, resolved, T0 + timedelta(hours=3)))
    [completed] = await clocks_of(engine, ticket)
    await consume(engine, ticket.status(resolved, open_, T0 + timedelta(hours=9)))
    [reopened] = await clocks_of(engine, ticket)

    assert paused.phase == ClockPhase.PAUSED
    assert paused.next_due_at is None
    assert resumed.phase == ClockPhase.RUNNING
    assert resumed.breach_due_at == T0 + timedelta(hours=5)
    assert completed.phase == ClockPhase.COMPLETED
    assert completed.elapsed_seconds == 2 * 3600
    assert reopened.phase == ClockPhase.RUNNING
    assert reopened.warning_due_at == T0 + timedelta(hours=10)
    assert reopened.breach_due_at == T0 + timedelta(hours=11)


async def test_duplicate_and_reordered_events_give_the_same_clock(
    engine: AsyncEngine, desk: Caller
) -> None:
    sla = await definition(desk)
    in_order, shuffled = Ticket(desk), Ticket(desk)
    for ticket in (in_order, shuffled):
        events = [
            ticket.created(T0, sla),
            ticket.status(
                TicketStatus.OPEN, TicketStatus.PENDING, T0 + timedelta(hours=1)
            ),
            ticket.status(
                TicketStatus.PENDING, TicketStatus.OPEN, T0 + timedelta(hours=3)
            ),
        ]
        if ticket is shuffled:
            events = [events[2], events[0], events[2], events[1], events[0]]
        await consume(engine, *events)

    [expected] = await clocks_of(engine, in_order)
    [clock] = await clocks_of(engine, shuffled)

    assert (clock.phase, clock.warning_due_at, clock.breach_due_at) == (
        expected.phase,
        expected.warning_due_at,
        expected.breach_due_at,
    )
    assert clock.breach_due_at == T0 + timedelta(hours=6)


async def test_a_topic_change_replaces_the_automatic_clock_only(
    engine: AsyncEngine, desk: Caller, sla_service: httpx.AsyncClient
) -> None:
    first, second = await definition(desk), await definition(desk)
    manual = await definition(desk)
    ticket = Ticket(desk)
    await consume(engine, ticket.created(T0, first))
    attacher = desk.as_user("carol", permissions=("support:sla:attach",))
    refused = await desk.as_user("dave").post(
        f"/v1/tickets/{ticket.id}/sla", {"definition_id": str(manual)}
    )
    attached = await attacher.post(
        f"/v1/tickets/{ticket.id}/sla", {"definition_id": str(manual)}
    )
    assert refused.status_code == 403
    assert attached.status_code == 201, attached.text

    await consume(engine, ticket.topic(second, T0 + timedelta(hours=1)))

    live = [c for c in await clocks_of(engine, ticket) if c.detached_at is None]
    assert {(c.definition_id, c.manual) for c in live} == {
        (second, False),
        (manual, True),
    }
    automatic = next(c for c in live if not c.manual)
    assert automatic.attached_at == T0 + timedelta(hours=1)


def seen(ticket: Ticket, status: TicketStatus, at: datetime) -> dict[str, Any]:
    """The ticket as the gateway read it, at the ticket's current version."""
    return {
        "reference": ticket.reference,
        "status": status,
        "version": ticket.version,
        "updated_at": at.isoformat(),
    }


async def test_attaching_by_hand_needs_no_event_and_the_events_still_apply(
    engine: AsyncEngine, desk: Caller
) -> None:
    manual, automatic = await definition(desk), await definition(desk)
    ticket = Ticket(desk)
    created = ticket.created(T0, automatic)
    pending_at = T0 + timedelta(minutes=1)
    pending = ticket.status(TicketStatus.OPEN, TicketStatus.PENDING, pending_at)
    attacher = desk.as_user("carol", permissions=("support:sla:attach",))
    path = f"/v1/tickets/{ticket.id}/sla"

    unknown = await attacher.post(path, {"definition_id": str(manual)})
    attached = await attacher.post(
        path,
        {
            "definition_id": str(manual),
            "ticket": seen(ticket, TicketStatus.PENDING, pending_at),
        },
    )
    await consume(engine, created, pending)

    assert unknown.status_code == 404, unknown.text
    assert attached.status_code == 201, attached.text
    assert [c["phase"] for c in attached.json()["clocks"]] == ["paused"]
    live = await clocks_of(engine, ticket)
    assert {(c.definition_id, c.manual, c.phase) for c in live} == {
        (automatic, False, ClockPhase.PAUSED),
        (manual, True, ClockPhase.PAUSED),
    }
    t = tables.ticket_projection
    async with engine.connect() as conn:
        row = (await conn.execute(select(t).where(t.c.ticket_id == ticket.id))).one()
    assert (row.subject, row.priority, row.snapshot_version) == (
        "Printer on fire",
        Priority.HIGH,
        1,
    )
    assert (row.topic_version, row.reference) == (1, ticket.reference)


async def test_due_points_fire_once_with_what_consumers_need(
    engine: AsyncEngine, desk: Caller
) -> None:
    ticket = Ticket(desk)
    await consume(engine, ticket.created(T0, await definition(desk)))

    early = await fire(engine, T0 + timedelta(hours=2))
    warned = await fire(engine, T0 + timedelta(hours=3, seconds=1))
    breached = await fire(engine, T0 + timedelta(days=1))
    again = await fire(engine, T0 + timedelta(days=2))

    mine = [
        [e for e in batch if e["data"]["ticket_id"] == str(ticket.id)]
        for batch in (early, warned, breached, again)
    ]
    assert [len(batch) for batch in mine] == [0, 1, 1, 0]
    warning, breach = mine[1][0], mine[2][0]
    assert warning["type"].endswith("sla.warning.v1")
    assert warning["data"]["due_at"].startswith("2024-03-04T12:00:00")
    assert breach["data"]["due_at"].startswith("2024-03-04T13:00:00")
    assert breach["data"]["actions"] == [
        {"kind": "raise_priority", "priority": "urgent"}
    ]
    assert breach["data"]["primary_assignee"] == {"kind": "user", "id": "bob"}
    assert breach["data"]["notify"]["primary_assignee"] is True
    assert breach["data"]["status"] == "open"
    assert breach["tenantid"] == desk.tenant
    assert warning["data"]["remaining_seconds"] == 3600.0
    assert breach["data"]["remaining_seconds"] == 0.0


async def test_workers_side_by_side_fire_each_point_once(
    engine: AsyncEngine, desk: Caller
) -> None:
    # Due long before any other test's clocks, so the workers fire only these.
    start = datetime(2001, 1, 1, 9, 0, tzinfo=UTC)
    sla = await definition(desk, warning=None)
    tickets = [Ticket(desk) for _ in range(300)]
    await consume(engine, *(t.created(start, sla) for t in tickets))
    now = start + timedelta(hours=5)

    async def worker() -> int:
        total = 0
        while True:
            async with engine.begin() as conn:
                fired = await fire_due(conn, now, 7)
            if not fired:
                return total
            total += fired

    counts = await asyncio.gather(*(worker() for _ in range(4)))

    assert sum(counts) == 300
    stamps = [c.breach_fired_at for t in tickets for c in await clocks_of(engine, t)]
    assert len(stamps) == 300
    assert all(stamps)


async def test_the_banner_shows_state_colour_and_remaining_time(
    engine: AsyncEngine, desk: Caller
) -> None:
    ticket = Ticket(desk)
    start = datetime.now(UTC) - timedelta(hours=3, minutes=30)
    await consume(engine, ticket.created(start, await definition(desk)))

    async with engine.connect() as conn:
        [banner] = await banners(conn, desk.tenant, ticket.id)
    answer = await desk.get(f"/v1/tickets/{ticket.id}/sla")

    assert banner.state is SlaState.WARNING
    assert banner.colour == "#ffbf00"
    assert 25 * 60 < banner.remaining_seconds < 30 * 60
    assert answer.status_code == 200
    assert answer.json()["clocks"][0]["state"] == "warning"


async def test_deleting_the_ticket_detaches_its_clocks(
    engine: AsyncEngine, desk: Caller
) -> None:
    ticket = Ticket(desk)
    await consume(engine, ticket.created(T0, await definition(desk)))
    ticket.version += 1
    deleted = tickets_v1.TicketDeleted(
        ticket_id=ticket.id, reference=ticket.reference, actor=ACTOR, deleted_at=T0
    )

    await consume(engine, ticket.envelope(deleted, T0, ticket.version))

    [clock] = await clocks_of(engine, ticket)
    assert clock.phase == ClockPhase.DETACHED
    assert clock.next_due_at is None


@pytest.fixture
async def clock_changes(desk: Caller) -> AsyncIterator[aio_pika.abc.AbstractQueue]:
    """A queue of the clock changes the SLA service publishes (its HTTP app
    relays the outbox, so rows do not stay there to be read)."""
    connection = await aio_pika.connect(os.environ["DESK_AMQP_URL"])
    channel = await connection.channel()
    queue = await channel.declare_queue(unique("test-clocks"), exclusive=True)
    exchange = await channel.get_exchange("helpdesk.events")
    await queue.bind(exchange, routing_key="sla.clock_changed.v1")
    yield queue
    await connection.close()


async def detached_of(
    queue: aio_pika.abc.AbstractQueue, ticket: Ticket, count: int
) -> list[SlaClockChanged]:
    """The ticket's first ``count`` detached clock changes, in publishing order."""
    found: list[SlaClockChanged] = []
    async with asyncio.timeout(10):
        while len(found) < count:
            message = await queue.get(fail=False)
            if message is None:
                await asyncio.sleep(0.05)
                continue
            await message.ack()
            change = envelope_of(SlaClockChanged).parse(message.body).data
            if change.ticket_id == ticket.id and change.phase == ClockPhase.DETACHED:
                found.append(change)
    return found


async def test_detaching_a_clock_announces_it(
    engine: AsyncEngine, desk: Caller, clock_changes: aio_pika.abc.AbstractQueue
) -> None:
    first, second = await definition(desk), await definition(desk)
    ticket = Ticket(desk)
    await consume(engine, ticket.created(T0, first))
    await consume(engine, ticket.topic(second, T0 + timedelta(hours=1)))
    [replaced, current] = await clocks_of(engine, ticket)
    attacher = desk.as_user("carol", permissions=("support:sla:attach",))

    removed = await attacher.delete(f"/v1/tickets/{ticket.id}/sla/{current.id}")

    assert removed.status_code == 204, removed.text
    detached = [
        (change.clock_id, change.definition_id)
        for change in await detached_of(clock_changes, ticket, 2)
    ]
    assert detached == [(replaced.id, first), (current.id, second)]
