"""The outbox relay against real PostgreSQL and RabbitMQ."""

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator

from aio_pika.abc import AbstractChannel
from desk_infra.broker import outbox_publisher
from desk_infra.outbox import OutboxRelay
from faststream.rabbit import RabbitBroker
from sqlalchemy import text

from tests.service.infra.conftest import Store
from tests.service.infra.support import (
    Collector,
    event_ids,
    probes,
    routing_key,
    wait_until_empty,
    write_outbox,
)


@contextlib.asynccontextmanager
async def running(relay: OutboxRelay) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(relay.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def wait_for_listener(db: Store, since: object) -> None:
    """Until a relay's LISTEN connection opened after ``since`` is in place."""
    async with asyncio.timeout(5):
        while True:
            async with db.engine.connect() as conn:
                found = await conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = :db"
                        " AND query ILIKE 'LISTEN%' AND backend_start > :since"
                    ),
                    {"db": db.name, "since": since},
                )
            if found:
                return
            await asyncio.sleep(0.02)


async def database_now(db: Store) -> object:
    async with db.engine.connect() as conn:
        return await conn.scalar(text("SELECT clock_timestamp()"))


async def test_relay_publishes_each_row_once_and_notify_wakes_it_at_once(
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
        poll_interval=30.0,
    )
    envelopes = probes(key, 25)
    since = await database_now(db)

    async with running(relay):
        await wait_for_listener(db, since)
        await asyncio.sleep(0.1)  # the relay's first, empty batch is behind it
        committed = time.monotonic()
        await write_outbox(db.engine, db.outbox, envelopes)
        await collector.wait_for(len(envelopes), timeout=5)
        latency = collector.arrivals[-1] - committed
        await wait_until_empty(db.engine, db.outbox, timeout=5)
        await asyncio.sleep(0.2)  # room for a duplicate to show up

    assert latency < 0.5, f"NOTIFY did not wake the relay: {latency:.2f}s"
    assert Counter(collector.message_ids()) == Counter(event_ids(envelopes))
    assert relay.stats.published == len(envelopes)
    assert relay.stats.failed == 0
