"""``desk-tickets-worker``: the tickets service's event consumers, in one process.

Each consumer is one queue (``tickets.<purpose>``) and the handlers of the event
types it carries, listed in :func:`consumers`. To consume more events, add a
``Consumer`` there (or a handler to an existing one); the queue, its retry and
dead-letter queues are declared at start. Handlers must be idempotent: a message
is acknowledged only after its handler returned.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import uvloop
from desk_infra.broker import (
    ConsumerSpec,
    Handler,
    declare_consumer_topology,
    register_handlers,
)
from desk_infra.logs import configure_logging
from desk_infra.outbox import Outbox
from desk_infra.runtime import Runtime, serve_until_signalled
from desk_infra.serving import tune_gc
from desk_infra.telemetry import configure_tracing
from helpdesk_contracts import Envelope, EventData
from helpdesk_contracts.mail.v1 import MailReceived
from helpdesk_contracts.routing import queue_name
from helpdesk_contracts.sla.v1 import SlaBreached, SlaWarning

from desk_tickets.adapters import tables
from desk_tickets.config import SERVICE, TicketsSettings
from desk_tickets.entrypoints.main import migrate
from desk_tickets.service_layer.mail_intake import MailUnitOfWork, take_in_mail
from desk_tickets.service_layer.sla_actions import SlaUnitOfWork, apply_sla_point


@dataclass(frozen=True)
class Consumer:
    """One queue and, per event type it carries, the handler that applies it."""

    spec: ConsumerSpec
    handlers: Mapping[type[EventData], Handler]


MAIL_QUEUE = queue_name(SERVICE, "mail")


def consumers(runtime: Runtime, *, mail_queue: str = MAIL_QUEUE) -> list[Consumer]:
    """Every consumer of the worker, wired to the runtime's database."""
    outbox = Outbox(tables.outbox)

    def with_mail_unit(
        use_case: Callable[[MailUnitOfWork, Envelope[Any]], Awaitable[None]],
    ) -> Handler:
        async def handler(event: Envelope[Any]) -> None:
            await use_case(MailUnitOfWork(runtime.engine, outbox), event)

        return handler

    async def on_sla_point(event: Envelope[Any]) -> None:
        await apply_sla_point(SlaUnitOfWork(runtime.engine, outbox), event)

    return [
        Consumer(
            ConsumerSpec(
                queue=mail_queue,
                bindings=(MailReceived.routing_key(),),
            ),
            {MailReceived: with_mail_unit(take_in_mail)},
        ),
        Consumer(
            ConsumerSpec(
                queue=queue_name(SERVICE, "sla"),
                bindings=(SlaWarning.routing_key(), SlaBreached.routing_key()),
            ),
            {SlaWarning: on_sla_point, SlaBreached: on_sla_point},
        ),
    ]


async def subscribe(runtime: Runtime, wired: list[Consumer]) -> None:
    """Declare each consumer's queues and subscribe its handlers (before start)."""
    await runtime.broker.connect()
    for consumer in wired:
        await declare_consumer_topology(runtime.broker, consumer.spec)
        register_handlers(runtime.broker, consumer.spec, consumer.handlers)


class _WorkerRuntime(Runtime):
    """A runtime whose start also declares and subscribes the worker's consumers."""

    async def start(self) -> None:
        await subscribe(self, consumers(self))
        await super().start()


def build_runtime(settings: TicketsSettings) -> Runtime:
    """The worker's runtime; with an embedded relay when the settings ask for one."""
    relayed = tables.outbox if settings.tickets_embedded_relay else None
    return _WorkerRuntime.build(
        f"{SERVICE}-worker", settings, settings.tickets_database, relayed
    )


def run() -> None:
    settings = TicketsSettings()
    configure_logging(f"{SERVICE}-worker", settings.log_level, settings.log_format)
    configure_tracing(f"{SERVICE}-worker", settings)

    async def main() -> None:
        await migrate(settings)
        await serve_until_signalled(build_runtime(settings))

    tune_gc()
    uvloop.run(main())
