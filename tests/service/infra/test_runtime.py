"""A service's runtime: engine, broker and outbox relay started and stopped together."""

import asyncio
from collections import Counter

from aio_pika.abc import AbstractChannel
from desk_infra.db import create_engine, ensure_database
from desk_infra.runtime import Runtime
from desk_infra.settings import ServiceSettings
from sqlalchemy import text

from tests.conftest import unique
from tests.service.infra.support import (
    Collector,
    Store,
    drop_database,
    event_ids,
    probes,
    routing_key,
    wait_until_empty,
    write_outbox,
)


async def test_a_started_runtime_relays_its_outbox_and_reports_ready(
    db: Store, settings: ServiceSettings, channel: AbstractChannel
) -> None:
    key = routing_key()
    collector = await Collector.bound(channel, key)
    await collector.start()
    runtime = Runtime.build(unique("infra-test"), settings, db.name, outbox=db.outbox)
    envelopes = probes(key, 5)

    await runtime.start()
    try:
        await write_outbox(runtime.engine, db.outbox, envelopes)
        async with asyncio.timeout(5):
            await collector.wait_for(len(envelopes))
            await wait_until_empty(db.engine, db.outbox)
        checks = {name: await check() for name, check in runtime.checks().items()}
    finally:
        await runtime.stop()

    assert Counter(collector.message_ids()) == Counter(event_ids(envelopes))
    assert checks == {"database": None, "broker": True}


async def test_stopping_settles_the_batch_in_hand(
    db: Store, settings: ServiceSettings, channel: AbstractChannel
) -> None:
    key = routing_key()
    collector = await Collector.bound(channel, key)
    await collector.start()
    runtime = Runtime.build(unique("infra-test"), settings, db.name, outbox=db.outbox)
    envelopes = probes(key, 300)
    await runtime.start()
    await write_outbox(runtime.engine, db.outbox, envelopes)

    await asyncio.sleep(0.05)  # the relay is at work on the rows
    await runtime.stop()

    async with db.engine.connect() as conn:
        leased = await conn.scalar(
            text(f"SELECT count(*) FROM {db.outbox.name} WHERE lease_token IS NOT NULL")
        )
    assert leased == 0


async def test_ensure_database_creates_a_database_once(
    settings: ServiceSettings,
) -> None:
    name = unique("desk_infra_test").replace("-", "_")

    created = await ensure_database(settings, name)
    again = await ensure_database(settings, name)
    engine = create_engine(settings, name)
    try:
        async with engine.connect() as conn:
            current = await conn.scalar(text("SELECT current_database()"))
    finally:
        await engine.dispose()
        await drop_database(settings, name)

    assert (created, again, current) == (True, False, name)
