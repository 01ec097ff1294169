"""What a service process holds: its engine, its broker and its outbox relay."""

import asyncio
import contextlib
import logging
import signal
from collections.abc import Mapping
from dataclasses import dataclass, field

from faststream.rabbit import RabbitBroker
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncEngine

from desk_infra.broker import ConfirmingPublisher, create_broker, declare_exchanges
from desk_infra.db import asyncpg_dsn, create_engine
from desk_infra.health import Check
from desk_infra.outbox import OutboxRelay
from desk_infra.settings import ServiceSettings

log = logging.getLogger(__name__)

GRACEFUL_SECONDS = 10.0
"""How long stopping waits for the relay to settle the batch in hand."""


@dataclass
class Runtime:
    """Connections of one service process, opened by ``start``, closed by ``stop``."""

    service: str
    settings: ServiceSettings
    engine: AsyncEngine
    broker: RabbitBroker
    relay: OutboxRelay | None = None
    publisher: ConfirmingPublisher | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        service: str,
        settings: ServiceSettings,
        database: str,
        outbox: Table | None = None,
    ) -> "Runtime":
        engine = create_engine(settings, database)
        broker = create_broker(settings, app_id=service)
        relay = publisher = None
        if outbox is not None:
            publisher = ConfirmingPublisher(settings.amqp_url.get_secret_value())
            relay = OutboxRelay(
                engine, outbox, publisher, asyncpg_dsn(settings, database)
            )
        return cls(service, settings, engine, broker, relay, publisher)

    async def start(self) -> None:
        await self.broker.connect()
        await declare_exchanges(self.broker)
        await self.broker.start()
        if self.publisher is not None:
            await self.publisher.connect()
        if self.relay is not None:
            self._tasks.append(
                asyncio.create_task(self.relay.run(), name="outbox-relay")
            )
        log.info("%s started", self.service)

    async def stop(self) -> None:
        if self.relay is not None and self._tasks:
            self.relay.stop()
            await asyncio.wait(self._tasks, timeout=GRACEFUL_SECONDS)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.publisher is not None:
            await self.publisher.close()
        await self.broker.stop()
        await self.engine.dispose()

    def checks(self) -> Mapping[str, Check]:
        return {"database": self._check_database, "broker": self._check_broker}

    async def _check_database(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def _check_broker(self) -> bool:
        return await self.broker.ping(timeout=1.0)


async def serve_until_signalled(runtime: Runtime) -> None:
    """Start ``runtime`` (its relay, its consumers) and stop it on SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start()
    try:
        await stop.wait()
    finally:
        log.info("%s stopping", runtime.service)
        await runtime.stop()
