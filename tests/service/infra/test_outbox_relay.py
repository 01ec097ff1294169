"""The outbox relay against real PostgreSQL and RabbitMQ.

Each test writes rows as a service does (``Outbox.add`` in a committed transaction),
relays them to ``helpdesk.events`` and reads them back from a queue of its own,
bound to a routing key of its own.
"""

import asyncio
import contextlib
import time
import uuid
from collections import Counter
from datetime import datetime
from typing import Any

from aio_pika.abc import AbstractChannel
from desk_infra.broker import ConsumerSpec, create_broker, outbox_publisher
from desk_infra.db import create_engine
from desk_infra.inbox import first_delivery
from desk_infra.outbox import OutboxMessage, OutboxRelay, RelayStats
from desk_infra.settings import ServiceSettings
from faststream.rabbit import RabbitBroker
from helpdesk_contracts import Envelope
from helpdesk_contracts.routing import DEAD_LETTER_EXCHANGE
from pydantic import SecretStr
from sqlalchemy import Row, select, text

from tests.conftest import unique
from tests.service.infra.support import (
    Collector,
    Store,
    connected_broker,
    consuming,
    count_rows,
    event_ids,
    eventually,
    probes,
    routing_key,
    running,
    until,
    wait_until_empty,
    write_outbox,
)


async def database_now(db: Store) -> datetime:
    async with db.engine.connect() as conn:
        now = await conn.scalar(text("SELECT clock_timestamp()"))
    assert isinstance(now, datetime)
    return now


async def wait_for_listener(db: Store, since: datetime) -> None:
    """Until a relay's LISTEN connection, opened after ``since``, is in place."""

    async def listening() -> bool:
        async with db.engine.connect() as conn:
            found = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = :db"
                    " AND query ILIKE 'LISTEN%' AND backend_start > :since"
                ),
                {"db": db.name, "since": since},
            )
        return bool(found)

    await eventually(listening)


async def outbox_rows(db: Store) -> list[Row[Any]]:
    """Every outbox row, with how far in the future it becomes available."""
    async with db.engine.connect() as conn:
        result = await conn.execute(
            text(
                "SELECT *, extract(epoch FROM available_at - now()) AS wait"
                " FROM outbox ORDER BY id"
            )
        )
        return list(result.all())


async def test_relay_publishes_each_row_once_and_a_notify_wakes_it_at_once(
    db: Store, broker: RabbitBroker, channel: AbstractChannel
) -> None:
    key = routing_key()
    collector = await Collector.bound(channel, key)
    await collector.start()
    # With a 30 s poll, only the NOTIFY sent on commit can wake the relay in time.
    relay = OutboxRelay(
        db.engine, db.outbox, outbox_publisher(broker), db.listen_dsn, poll_interval=30
    )
    envelopes = probes(key, 25)
    since = await database_now(db)

    async with running(relay):
        async with asyncio.timeout(5):
            await wait_for_listener(db, since)
        await asyncio.sleep(0.1)  # the relay's first, empty batch is behind it
        committed = time.monotonic()
        await write_outbox(db.engine, db.outbox, envelopes)
        async with asyncio.timeout(5):
            await collector.wait_for(len(envelopes))
            latency = collector.arrivals[-1] - committed
            await wait_until_empty(db.engine, db.outbox)
        await asyncio.sleep(0.2)  # room for a duplicate to arrive

    assert latency < 0.5, f"the NOTIFY did not wake the relay: {latency:.2f}s"
    assert Counter(collector.message_ids()) == Counter(event_ids(envelopes))
    assert relay.stats == RelayStats(published=len(envelopes), failed=0)
    first = collector.messages[0]
    assert first.routing_key == key
    assert first.delivery_mode == 2  # persistent
    assert first.content_type == "application/json"
    assert Envelope.parse(first.body).id == uuid.UUID(first.message_id or "")


async def test_two_relays_on_one_table_never_publish_a_row_twice(
    db: Store, settings: ServiceSettings, channel: AbstractChannel
) -> None:
    key = routing_key()
    collector = await Collector.bound(channel, key)
    await collector.start()
    envelopes = probes(key, 2000)
    other_engine = create_engine(settings, db.name)  # as if in another process

    async with (
        connected_broker(settings) as broker_a,
        connected_broker(settings) as broker_b,
    ):
        relays = [
            OutboxRelay(
                engine,
                db.outbox,
                outbox_publisher(broker),
                db.listen_dsn,
                batch_size=50,
                poll_interval=0.05,
            )
            for engine, broker in ((db.engine, broker_a), (other_engine, broker_b))
        ]
        async with running(relays[0]), running(relays[1]):
            for start in range(0, len(envelopes), 100):  # commits while both relay
                await write_outbox(db.engine, db.outbox, envelopes[start : start + 100])
            async with asyncio.timeout(30):
                await wait_until_empty(db.engine, db.outbox)
                await collector.wait_for(len(envelopes))
            await asyncio.sleep(0.3)  # room for a duplicate to arrive
    await other_engine.dispose()

    duplicates = [i for i, n in Counter(collector.message_ids()).items() if n > 1]
    assert duplicates == []
    assert set(collector.message_ids()) == set(event_ids(envelopes))
    assert len(collector.messages) == len(envelopes)
    assert all(relay.stats.published > 0 for relay in relays), "no concurrency"
    assert sum(relay.stats.published for relay in relays) == len(envelopes)


async def test_a_relay_that_dies_before_deleting_causes_a_redelivery_the_inbox_absorbs(
    db: Store, settings: ServiceSettings, broker: RabbitBroker, channel: AbstractChannel
) -> None:
    key = routing_key()
    spec = ConsumerSpec(queue=unique("infra-test-inbox"), bindings=(key,))
    deliveries: list[uuid.UUID] = []

    async def apply_once(envelope: Envelope[Any]) -> None:
        deliveries.append(envelope.id)
        async with db.engine.begin() as conn:
            if await first_delivery(conn, db.inbox, spec.queue, envelope.id):
                await conn.execute(
                    db.effects.insert().values(
                        event_id=envelope.id, consumer=spec.queue
                    )
                )

    publish = outbox_publisher(broker)

    async def publish_then_die(message: OutboxMessage) -> None:
        await publish(message)
        await asyncio.Event().wait()  # the process dies before it deletes the row

    dying = OutboxRelay(
        db.engine, db.outbox, publish_then_die, db.listen_dsn, lease_seconds=1.0
    )
    survivor = OutboxRelay(
        db.engine, db.outbox, publish, db.listen_dsn, poll_interval=0.1
    )
    envelopes = probes(key, 10)
    await write_outbox(db.engine, db.outbox, envelopes)

    async with consuming(settings, channel, spec, apply_once):
        crashing = asyncio.create_task(dying.relay_batch())

        async with asyncio.timeout(5):
            await until(lambda: len(deliveries) == len(envelopes))
        crashing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await crashing
        left_behind = await count_rows(db.engine, db.outbox)
        async with running(survivor):
            async with asyncio.timeout(10):
                await wait_until_empty(db.engine, db.outbox)
                await until(lambda: len(deliveries) == 2 * len(envelopes))
            await asyncio.sleep(0.2)  # room for a third delivery to arrive
    async with db.engine.connect() as conn:
        effects = (await conn.scalars(select(db.effects.c.event_id))).all()

    assert left_behind == len(envelopes)
    assert survivor.stats.published == len(envelopes)
    assert Counter(deliveries) == Counter(event_ids(envelopes) * 2)
    assert Counter(effects) == Counter(event_ids(envelopes))


async def test_a_message_the_broker_returns_stays_in_the_outbox_with_backoff(
    db: Store, broker: RabbitBroker
) -> None:
    # helpdesk.dlx has no alternate exchange: a key nothing binds is returned.
    envelopes = probes(routing_key(), 1)
    await write_outbox(db.engine, db.outbox, envelopes, exchange=DEAD_LETTER_EXCHANGE)
    relay = OutboxRelay(db.engine, db.outbox, outbox_publisher(broker), db.listen_dsn)

    claimed = await relay.relay_batch()
    after_first = await outbox_rows(db)
    claimed_again_at_once = await relay.relay_batch()
    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE outbox SET available_at = now()"))
    claimed_when_due = await relay.relay_batch()
    after_second = await outbox_rows(db)

    assert (claimed, claimed_again_at_once, claimed_when_due) == (1, 0, 1)
    assert relay.stats == RelayStats(published=0, failed=2)
    [first] = after_first
    assert first.event_id == envelopes[0].id
    assert first.attempts == 1
    assert first.lease_token is None
    assert first.leased_until is None
    assert 1.5 < first.wait <= 2.0  # 2 ** attempts seconds
    assert "NO_ROUTE" in first.last_error
    [second] = after_second
    assert second.attempts == 2
    assert 3.5 < second.wait <= 4.0
    assert "NO_ROUTE" in second.last_error


async def test_rows_wait_out_an_unreachable_broker_and_go_out_once_it_answers(
    db: Store, settings: ServiceSettings, broker: RabbitBroker, channel: AbstractChannel
) -> None:
    key = routing_key()
    collector = await Collector.bound(channel, key)
    await collector.start()
    nowhere = settings.model_copy(
        update={"amqp_url": SecretStr("amqp://guest:guest@127.0.0.1:1/")}
    )
    envelopes = probes(key, 5)
    await write_outbox(db.engine, db.outbox, envelopes)

    # Nothing listens on port 1: this broker never gets a connection.
    unreachable = create_broker(nowhere, app_id=unique("infra-test"))
    down = OutboxRelay(
        db.engine, db.outbox, outbox_publisher(unreachable), db.listen_dsn
    )
    up = OutboxRelay(db.engine, db.outbox, outbox_publisher(broker), db.listen_dsn)

    failed = await down.relay_batch()
    kept = await outbox_rows(db)
    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE outbox SET available_at = now()"))
    relayed = await up.relay_batch()
    async with asyncio.timeout(5):
        await collector.wait_for(len(envelopes))
    await asyncio.sleep(0.2)  # room for a duplicate to arrive

    assert failed == len(envelopes)
    assert [row.event_id for row in kept] == event_ids(envelopes)
    assert all(row.attempts == 1 for row in kept)
    assert all(row.wait > 1.5 for row in kept)
    assert all(row.last_error for row in kept)
    assert relayed == len(envelopes)
    assert Counter(collector.message_ids()) == Counter(event_ids(envelopes))
    assert await count_rows(db.engine, db.outbox) == 0


async def test_the_relay_outlives_a_lost_database_connection(
    db: Store, broker: RabbitBroker, channel: AbstractChannel
) -> None:
    key = routing_key()
    collector = await Collector.bound(channel, key)
    await collector.start()
    relay = OutboxRelay(
        db.engine,
        db.outbox,
        outbox_publisher(broker),
        db.listen_dsn,
        poll_interval=0.05,
    )
    envelopes = probes(key, 5)

    blocked_claim = (
        "SELECT pid FROM pg_stat_activity WHERE datname = :db"
        " AND wait_event_type = 'Lock' AND query ILIKE '%UPDATE outbox%'"
    )

    async def claim_is_blocked() -> bool:
        async with db.engine.connect() as conn:  # a fresh view of pg_stat_activity
            return (await conn.scalar(text(blocked_claim), {"db": db.name})) is not None

    async with running(relay) as task:
        # Hold the table so that the relay's claim waits, then cut its connection.
        async with db.engine.connect() as locker:
            await locker.execute(text("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE"))
            async with asyncio.timeout(5):
                await eventually(claim_is_blocked)
            await locker.execute(
                text(f"SELECT pg_terminate_backend(pid) FROM ({blocked_claim}) AS c"),
                {"db": db.name},
            )
            await locker.rollback()
        await write_outbox(db.engine, db.outbox, envelopes)
        async with asyncio.timeout(10):
            await collector.wait_for(len(envelopes))
        survived = not task.done()

    assert survived
    assert Counter(collector.message_ids()) == Counter(event_ids(envelopes))
