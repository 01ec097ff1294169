"""What the infrastructure service tests share: a probe event with a routing key per
test, a collector queue, waiting helpers, and brokers and relays run as services do.
"""

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import asyncpg
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue
from desk_infra.broker import (
    ConsumerSpec,
    Handler,
    create_broker,
    declare_consumer_topology,
    declare_exchanges,
    register_consumer,
)
from desk_infra.db import asyncpg_dsn
from desk_infra.outbox import Outbox, OutboxRelay
from desk_infra.settings import ServiceSettings
from faststream.rabbit import RabbitBroker
from helpdesk_contracts import Envelope, EventData
from helpdesk_contracts.routing import EVENTS_EXCHANGE, dead_letter_queue
from sqlalchemy import Column, MetaData, Table, Text, Uuid, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import unique


@dataclass(frozen=True)
class Store:
    """The scratch database of one test module."""

    name: str
    engine: AsyncEngine
    outbox: Table
    inbox: Table
    effects: Table
    listen_dsn: str


class Probe(EventData):
    """A test event; ``probe_type`` gives each test its own routing key."""

    event_type: ClassVar[str] = "infra.probe.v1"
    aggregate_type: ClassVar[str] = "probe"

    n: int


def probe_type(routing_key: str) -> type[Probe]:
    """A probe event published under ``routing_key``, so tests never share a key."""

    class KeyedProbe(Probe):
        event_type: ClassVar[str] = routing_key

    return KeyedProbe


def routing_key() -> str:
    return unique("infra-test")


def probes(key: str, count: int) -> list[Envelope[Probe]]:
    event = probe_type(key)
    return [
        Envelope.wrap(
            event(n=n),
            source="tests/infra",
            tenant_id="tenant-a",
            aggregate_id=f"probe-{n}",
            aggregate_version=1,
        )
        for n in range(count)
    ]


def effects_table(metadata: MetaData) -> Table:
    """What a test consumer does: one row per effect, deliberately not unique."""
    return Table(
        "effects",
        metadata,
        Column("event_id", Uuid, nullable=False),
        Column("consumer", Text, nullable=False),
    )


async def drop_database(settings: ServiceSettings, name: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(settings, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def write_outbox(
    engine: AsyncEngine,
    outbox: Table,
    envelopes: Sequence[Envelope[Any]],
    exchange: str = EVENTS_EXCHANGE,
) -> None:
    """Add ``envelopes`` in one committed transaction, as a service would."""
    async with engine.begin() as conn:
        await Outbox(outbox).add(conn, envelopes, exchange=exchange)


async def count_rows(engine: AsyncEngine, table: Table) -> int:
    async with engine.connect() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(table))).one()[0]
        )


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Poll ``check`` until it holds; callers bound the wait with a timeout."""
    while True:
        if await check():
            return
        await asyncio.sleep(0.02)


async def until(condition: Callable[[], bool]) -> None:
    """Wait until ``condition`` holds; callers bound the wait with a timeout."""
    while True:
        if condition():
            return
        await asyncio.sleep(0.02)


async def wait_until_empty(engine: AsyncEngine, table: Table) -> None:
    async def empty() -> bool:
        return await count_rows(engine, table) == 0

    await eventually(empty)


class Collector:
    """A temporary queue bound on an exchange; records what arrives and when."""

    def __init__(self, queue: AbstractQueue) -> None:
        self.queue = queue
        self.messages: list[AbstractIncomingMessage] = []
        self.arrivals: list[float] = []
        self._arrived = asyncio.Event()

    @classmethod
    async def bound(
        cls,
        channel: AbstractChannel,
        key: str,
        exchange: str = EVENTS_EXCHANGE,
    ) -> "Collector":
        queue = await channel.declare_queue(unique("infra-test-queue"), exclusive=True)
        await queue.bind(exchange, routing_key=key)
        return cls(queue)

    async def start(self) -> None:
        await self.queue.consume(self._on_message, no_ack=True)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        self.arrivals.append(time.monotonic())
        self.messages.append(message)
        self._arrived.set()

    async def wait_for(self, count: int) -> None:
        """Until ``count`` messages arrived; callers bound the wait with a timeout."""
        while len(self.messages) < count:
            self._arrived.clear()
            await self._arrived.wait()

    def message_ids(self) -> list[uuid.UUID]:
        return [uuid.UUID(m.message_id) for m in self.messages if m.message_id]


def event_ids(envelopes: Iterable[Envelope[Any]]) -> list[uuid.UUID]:
    return [e.id for e in envelopes]


@contextlib.asynccontextmanager
async def connected_broker(settings: ServiceSettings) -> AsyncIterator[RabbitBroker]:
    """A service's broker, connected, with the desk's exchanges declared."""
    broker = create_broker(settings, app_id=unique("infra-test"))
    await broker.connect()
    try:
        await declare_exchanges(broker)
        yield broker
    finally:
        await broker.stop()


@contextlib.asynccontextmanager
async def declared(
    settings: ServiceSettings, channel: AbstractChannel, spec: ConsumerSpec
) -> AsyncIterator[RabbitBroker]:
    """A broker with ``spec``'s topology declared; its queues deleted afterwards."""
    broker = create_broker(settings, app_id=unique("infra-test"))
    try:
        await broker.connect()
        await declare_consumer_topology(broker, spec)
        yield broker
    finally:
        await broker.stop()
        retries = [queue.name for queue in spec.retry_queues()]
        for name in (spec.queue, dead_letter_queue(spec.queue), *retries):
            await channel.queue_delete(name)


@contextlib.asynccontextmanager
async def consuming(
    settings: ServiceSettings,
    channel: AbstractChannel,
    spec: ConsumerSpec,
    handler: Handler,
) -> AsyncIterator[RabbitBroker]:
    """Run ``handler`` on ``spec`` as a service would; delete its queues afterwards."""
    async with declared(settings, channel, spec) as broker:
        register_consumer(broker, spec, Envelope[Probe], handler)
        await broker.start()
        yield broker


@contextlib.asynccontextmanager
async def running(relay: OutboxRelay) -> AsyncIterator[asyncio.Task[None]]:
    """The relay's ``run`` loop as a task, as a service runs it; cancelled on exit."""
    task = asyncio.create_task(relay.run(), name="test-outbox-relay")
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
