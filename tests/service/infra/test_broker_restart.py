"""The outbox across a real RabbitMQ restart (``rabbitmqctl stop_app``/``start_app``).

Slow (about 6 s) and it stops the broker for everyone on this machine, so it is
marked ``rabbitmq_restart``: CI runs it like any other test; deselect it locally with
``-m "not rabbitmq_restart"``. ``DESK_RABBITMQCTL`` names the command when RabbitMQ
is not local (for example ``docker exec <container> rabbitmqctl``). Should the test
process be killed mid-way, ``rabbitmqctl start_app`` brings the broker back.
"""

import asyncio
import contextlib
import os
import shlex
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import pytest
from desk_infra.broker import outbox_publisher
from desk_infra.outbox import OutboxRelay
from faststream.rabbit import RabbitBroker
from helpdesk_contracts.routing import EVENTS_EXCHANGE
from sqlalchemy import select

from tests.conftest import unique
from tests.service.infra.support import (
    Store,
    event_ids,
    eventually,
    probes,
    routing_key,
    running,
    wait_until_empty,
    write_outbox,
)

pytestmark = pytest.mark.rabbitmq_restart


async def rabbitmqctl(*args: str) -> None:
    command = shlex.split(os.environ.get("DESK_RABBITMQCTL", "rabbitmqctl"))
    process = await asyncio.create_subprocess_exec(
        *command,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, f"rabbitmqctl {args}: {output.decode()}"


@contextlib.asynccontextmanager
async def durable_queue(url: str, key: str) -> AsyncIterator[str]:
    """A durable queue bound to ``key``: it outlives the restart; deleted on exit."""
    name = unique("infra-test-restart")
    async with await aio_pika.connect(url) as connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, durable=True)
        await queue.bind(EVENTS_EXCHANGE, routing_key=key)
    try:
        yield name
    finally:
        async with await aio_pika.connect(url) as connection:
            channel = await connection.channel()
            await channel.queue_delete(name)


async def drain(url: str, queue: str) -> list[uuid.UUID]:
    """The ids of every message in ``queue``, taken out of it."""
    async with await aio_pika.connect(url) as connection:
        channel = await connection.channel()
        source = await channel.get_queue(queue)
        ids: list[uuid.UUID] = []
        while (message := await source.get(no_ack=True, fail=False)) is not None:
            ids.append(uuid.UUID(message.message_id or ""))
    return ids


async def test_rows_written_while_rabbitmq_is_down_are_published_when_it_is_back(
    db: Store, broker: RabbitBroker, servers: dict[str, str]
) -> None:
    key = routing_key()
    relay = OutboxRelay(
        db.engine,
        db.outbox,
        outbox_publisher(broker),
        db.listen_dsn,
        poll_interval=0.2,
        max_backoff=1.0,
    )
    envelopes = probes(key, 20)

    async def all_failed_once() -> bool:
        async with db.engine.connect() as conn:
            rows = (await conn.execute(select(db.outbox))).all()
        return len(rows) == len(envelopes) and all(
            row.attempts >= 1 and row.last_error for row in rows
        )

    failed_while_down: list[Any] = []
    async with durable_queue(servers["amqp"], key) as queue:
        async with running(relay):
            await rabbitmqctl("stop_app")
            try:
                await write_outbox(db.engine, db.outbox, envelopes)
                async with asyncio.timeout(20):
                    await eventually(all_failed_once)
                async with db.engine.connect() as conn:
                    failed_while_down = list(
                        (await conn.execute(select(db.outbox))).all()
                    )
            finally:
                await rabbitmqctl("start_app")
            async with asyncio.timeout(40):
                await wait_until_empty(db.engine, db.outbox)
        received = await drain(servers["amqp"], queue)

    assert {row.event_id for row in failed_while_down} == set(event_ids(envelopes))
    assert set(received) == set(event_ids(envelopes))
    assert relay.stats.failed >= len(envelopes)
