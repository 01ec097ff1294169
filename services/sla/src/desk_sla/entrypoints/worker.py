"""``desk-sla-worker``: keeps clocks in step with tickets and fires due points.

One process does three things: consumes ticket events (the ``sla.tickets``
queue, shared by every worker as competing consumers), fires due warning and
breach points in batches claimed with ``SKIP LOCKED``, and relays the SLA
outbox. Start more workers to fire and publish more; nothing else changes.
"""

import asyncio
import contextlib
import logging
import signal
import time
from datetime import UTC, datetime

import uvloop
from desk_infra.broker import ConsumerSpec, declare_consumer_topology, register_handlers
from desk_infra.logs import configure_logging
from desk_infra.runtime import Runtime
from desk_infra.serving import tune_gc
from desk_infra.telemetry import configure_tracing
from helpdesk_contracts.routing import TICKET_EVENTS, queue_name
from sqlalchemy.ext.asyncio import AsyncEngine

from desk_sla.adapters import tables
from desk_sla.config import SERVICE, SlaSettings
from desk_sla.entrypoints.main import migrate
from desk_sla.service_layer import ticket_events
from desk_sla.service_layer.timers import fire_due

log = logging.getLogger(__name__)

TICKETS_QUEUE = ConsumerSpec(
    queue=queue_name(SERVICE, "tickets"), bindings=(TICKET_EVENTS,)
)


class Timer:
    """Fires due points until stopped: full batches back to back, else it naps."""

    def __init__(self, engine: AsyncEngine, batch: int, idle_seconds: float) -> None:
        self.engine = engine
        self.batch = batch
        self.idle_seconds = idle_seconds
        self.fired = 0
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                async with self.engine.begin() as conn:
                    fired = await fire_due(conn, datetime.now(UTC), self.batch)
                self.fired += fired
            # The database may be restarting: log, wait, and claim again.
            except Exception:
                log.exception("firing due points failed; retrying")
                fired = 0
                await self._nap(1.0)
            if fired == 0:
                await self._nap(self.idle_seconds)

    async def _nap(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)


class Worker:
    def __init__(self, settings: SlaSettings) -> None:
        name = f"{SERVICE}-worker"
        relayed = tables.outbox if settings.sla_worker_relay else None
        self.runtime = Runtime.build(name, settings, settings.sla_database, relayed)
        self.timer = Timer(
            self.runtime.engine, settings.sla_fire_batch, settings.sla_idle_seconds
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        broker = self.runtime.broker
        await broker.connect()
        await declare_consumer_topology(broker, TICKETS_QUEUE)
        engine = self.runtime.engine
        register_handlers(
            broker,
            TICKETS_QUEUE,
            {
                event: ticket_events.consumer(engine, handler)
                for event, handler in ticket_events.HANDLERS.items()
            },
        )
        await self.runtime.start()
        self._task = asyncio.create_task(self.timer.run(), name="sla-timer")

    async def stop(self) -> None:
        self.timer.stop()
        if self._task is not None:
            await self._task
        await self.runtime.stop()


async def serve_until_signalled(worker: Worker) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await worker.start()
    started = time.monotonic()
    try:
        await stop.wait()
    finally:
        log.info(
            "sla worker stopping after %.0f s, %d points fired",
            time.monotonic() - started,
            worker.timer.fired,
        )
        await worker.stop()


def run() -> None:
    settings = SlaSettings()
    configure_logging(f"{SERVICE}-worker", settings.log_level, settings.log_format)
    configure_tracing(f"{SERVICE}-worker", settings)

    async def main() -> None:
        await migrate(settings)
        await serve_until_signalled(Worker(settings))

    tune_gc()
    uvloop.run(main())
