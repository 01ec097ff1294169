"""Shared pieces of the infrastructure service tests: a probe event and a collector."""

import asyncio
import time
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue
from desk_infra.outbox import Outbox
from helpdesk_contracts import Envelope, EventData
from helpdesk_contracts.routing import EVENTS_EXCHANGE
from sqlalchemy import Column, MetaData, Table, Text, Uuid, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import unique


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
        return int((await conn.execute(select(func.count()).select_from(table))).one()[0])


async def wait_until_empty(engine: AsyncEngine, table: Table, timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while await count_rows(engine, table):
            await asyncio.sleep(0.02)


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
        *,
        durable: bool = False,
    ) -> "Collector":
        queue = await channel.declare_queue(
            unique("infra-test-queue"), exclusive=not durable, durable=durable
        )
        await queue.bind(exchange, routing_key=key)
        return cls(queue)

    async def start(self) -> None:
        await self.queue.consume(self._on_message, no_ack=True)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        self.arrivals.append(time.monotonic())
        self.messages.append(message)
        self._arrived.set()

    async def wait_for(self, count: int, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while len(self.messages) < count:
                self._arrived.clear()
                await self._arrived.wait()

    def message_ids(self) -> list[uuid.UUID]:
        return [uuid.UUID(m.message_id) for m in self.messages if m.message_id]


def event_ids(envelopes: Iterable[Envelope[Any]]) -> list[uuid.UUID]:
    return [e.id for e in envelopes]
