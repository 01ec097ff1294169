"""RabbitMQ: the broker, the idempotently declared topology, and reliable consumers.

Every consumer queue ``Q`` is a quorum queue with three companions:

- ``Q.retry.<N>s``: holds a failed message for N seconds, then dead-letters it back
  to ``Q`` (retry with backoff, one queue per delay so no message waits behind a
  longer one);
- ``Q.dlq``: where a message lands after its last attempt, or at once when it cannot
  be parsed, with the reason in its headers; operators inspect and replay it;
- a ``x-delivery-limit`` on ``Q`` itself, so a message that crashes the process
  (and is therefore never acknowledged) cannot loop for ever.
"""

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import aio_pika
import aio_pika.abc
from faststream import AckPolicy
from faststream.message import StreamMessage
from faststream.rabbit import (
    Channel,
    ExchangeType,
    QueueType,
    RabbitBroker,
    RabbitExchange,
    RabbitQueue,
)
from faststream.rabbit.annotations import RabbitMessage
from faststream.rabbit.opentelemetry import RabbitTelemetryMiddleware
from helpdesk_contracts import Envelope, EventData
from helpdesk_contracts.envelope import envelope_of
from helpdesk_contracts.routing import (
    DEAD_LETTER_EXCHANGE,
    ESCALATIONS_EXCHANGE,
    EVENTS_EXCHANGE,
    UNROUTED_EXCHANGE,
    dead_letter_queue,
    retry_queue,
)
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from pydantic import ConfigDict, ValidationError

from desk_infra.errors import PublishFailed
from desk_infra.logs import log_context
from desk_infra.outbox import OutboxMessage
from desk_infra.settings import ServiceSettings

log = logging.getLogger(__name__)

# Events no queue is bound for go to the alternate exchange and wait in
# ``helpdesk.unrouted`` for a week: published (and confirmed), not lost.
_ALTERNATE = {"alternate-exchange": UNROUTED_EXCHANGE}
UNROUTED = RabbitExchange(UNROUTED_EXCHANGE, type=ExchangeType.FANOUT, durable=True)
UNROUTED_QUEUE = RabbitQueue(
    UNROUTED_EXCHANGE,
    queue_type=QueueType.QUORUM,
    durable=True,
    arguments={"x-message-ttl": 7 * 24 * 3600 * 1000},
)
EVENTS = RabbitExchange(
    EVENTS_EXCHANGE, type=ExchangeType.TOPIC, durable=True, arguments=_ALTERNATE
)
DEAD_LETTERS = RabbitExchange(
    DEAD_LETTER_EXCHANGE, type=ExchangeType.DIRECT, durable=True
)
ESCALATIONS = RabbitExchange(
    ESCALATIONS_EXCHANGE, type=ExchangeType.TOPIC, durable=True, arguments=_ALTERNATE
)
EXCHANGES = {x.name: x for x in (EVENTS, DEAD_LETTERS, ESCALATIONS)}

ATTEMPT_HEADER = "x-desk-attempt"
ERROR_HEADER = "x-desk-error"
PUBLISH_TIMEOUT = 10.0


def _middlewares(settings: ServiceSettings) -> list[Any]:
    if not settings.tracing:
        return []
    return [RabbitTelemetryMiddleware(tracer_provider=trace.get_tracer_provider())]


def create_broker(settings: ServiceSettings, app_id: str) -> RabbitBroker:
    return RabbitBroker(
        settings.amqp_url.get_secret_value(),
        app_id=app_id,
        default_channel=Channel(
            prefetch_count=settings.prefetch_count,
            publisher_confirms=True,
            on_return_raises=True,
        ),
        graceful_timeout=30.0,
        ack_policy=AckPolicy.MANUAL,
        # No dependency injection: resolving the message argument ran a sync
        # function in a worker thread for every message. ``_as_message`` hands the
        # handler its message instead.
        apply_types=False,
        middlewares=_middlewares(settings),
        logger=logging.getLogger(f"{app_id}.broker"),
    )


async def declare_exchanges(broker: RabbitBroker) -> None:
    unrouted = await broker.declare_exchange(UNROUTED)
    queue = await broker.declare_queue(UNROUTED_QUEUE)
    await queue.bind(unrouted)
    for exchange in EXCHANGES.values():
        await broker.declare_exchange(exchange)


def outbox_publisher(
    broker: RabbitBroker,
) -> Callable[[OutboxMessage], Awaitable[None]]:
    """Publish outbox rows persistently, mandatory, and wait for the confirm."""

    async def publish(message: OutboxMessage) -> None:
        # Publish inside the trace of the request that wrote the row, so that the
        # trace goes on from the request to the consumers.
        token = otel_context.attach(propagate.extract(message.headers))
        try:
            await _publish(message)
        finally:
            otel_context.detach(token)

    async def _publish(message: OutboxMessage) -> None:
        try:
            confirm = await broker.publish(
                message.body,
                exchange=EXCHANGES[message.exchange],
                routing_key=message.routing_key,
                persist=True,
                mandatory=True,
                timeout=PUBLISH_TIMEOUT,
                message_id=str(message.event_id),
                message_type=message.event_type,
                content_type="application/json",
                headers=message.headers,
            )
        # Whatever the broker or the connection raised, the row is not confirmed.
        except Exception as exc:
            raise PublishFailed(str(exc) or type(exc).__name__) from exc
        if confirm is not None and type(confirm).__name__ != "Ack":
            raise PublishFailed(f"broker did not confirm: {confirm!r}")

    return publish


@dataclass(frozen=True)
class ConsumerSpec:
    """A consumer queue: its name, what it binds to, and its retry schedule."""

    queue: str
    bindings: tuple[str, ...]
    exchange: str = EVENTS_EXCHANGE
    retry_delays: tuple[int, ...] = (1, 10, 60)
    max_attempts: int = 5
    delivery_limit: int = 20

    def rabbit_queue(self) -> RabbitQueue:
        return RabbitQueue(
            self.queue,
            queue_type=QueueType.QUORUM,
            durable=True,
            routing_key=self.bindings[0],
            arguments={
                "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
                "x-dead-letter-routing-key": self.queue,
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
                "x-delivery-limit": self.delivery_limit,
            },
        )

    def retry_queues(self) -> list[RabbitQueue]:
        return [
            RabbitQueue(
                retry_queue(self.queue, delay),
                queue_type=QueueType.QUORUM,
                durable=True,
                arguments={
                    "x-message-ttl": delay * 1000,
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": self.queue,
                    "x-dead-letter-strategy": "at-least-once",
                    "x-overflow": "reject-publish",
                },
            )
            for delay in self.retry_delays
        ]

    def dead_letter_queue(self) -> RabbitQueue:
        return RabbitQueue(
            dead_letter_queue(self.queue),
            queue_type=QueueType.QUORUM,
            durable=True,
            routing_key=self.queue,
        )

    def retry_delay(self, attempt: int) -> int:
        return self.retry_delays[min(attempt, len(self.retry_delays)) - 1]


async def declare_consumer_topology(broker: RabbitBroker, spec: ConsumerSpec) -> None:
    """Declare the queue, its retry and dead-letter queues, and every binding."""
    await declare_exchanges(broker)
    main = await broker.declare_queue(spec.rabbit_queue())
    exchange = await broker.declare_exchange(EXCHANGES[spec.exchange])
    for binding in spec.bindings:
        await main.bind(exchange, routing_key=binding)
    for queue in spec.retry_queues():
        await broker.declare_queue(queue)
    dlq = await broker.declare_queue(spec.dead_letter_queue())
    await dlq.bind(await broker.declare_exchange(DEAD_LETTERS), routing_key=spec.queue)


Handler = Callable[[Envelope[Any]], Awaitable[None]]


class EnvelopeParser(Protocol):
    def parse(self, body: bytes | str) -> Envelope[Any]: ...


def register_consumer(
    broker: RabbitBroker,
    spec: ConsumerSpec,
    envelope_type: type[Envelope[Any]] | EnvelopeParser,
    handler: Handler,
) -> None:
    """Subscribe ``handler`` to ``spec.queue`` with parse, retry and dead-letter rules.

    The handler must be idempotent (see :mod:`desk_infra.inbox`): a message is
    acknowledged only after it returns, so a crash means a second delivery.
    """

    @broker.subscriber(
        spec.rabbit_queue(),
        EXCHANGES[spec.exchange],
        title=spec.queue,
        decoder=_as_message,
    )
    async def consume(message: RabbitMessage) -> None:
        raw = message.raw_message
        try:
            envelope = envelope_type.parse(message.body)
        except ValidationError as exc:
            log.error("message %s unreadable, dead-lettered: %s", raw.message_id, exc)
            await _dead_letter(broker, spec, message, f"unreadable: {exc}")
            return
        with log_context(
            tenant_id=envelope.tenantid,
            message_id=str(envelope.id),
            aggregate_id=envelope.aggregateid,
        ):
            try:
                await handler(envelope)
            # Isolation: one failing message must not stop the queue; it is retried.
            except Exception as exc:  # noqa: BLE001
                await _retry_or_dead_letter(broker, spec, message, exc)
                return
            log.debug("consumed %s from %s", envelope.type, spec.queue)
        await message.ack()


async def _as_message(message: StreamMessage[Any]) -> Any:
    """The message itself, body undecoded: ``consume`` parses it and dead-letters
    what it cannot, and acknowledges it.

    FastStream's own JSON decoding runs before the handler: on a body that is not
    JSON it raised there, and with manual acks the message stayed unacknowledged.
    """
    return message


async def _retry_or_dead_letter(
    broker: RabbitBroker, spec: ConsumerSpec, message: Any, error: Exception
) -> None:
    headers = dict(message.headers or {})
    attempt = int(headers.get(ATTEMPT_HEADER, 0)) + 1
    if attempt >= spec.max_attempts:
        log.error(
            "giving up on %s after %d attempts: %r", message.message_id, attempt, error
        )
        await _dead_letter(broker, spec, message, repr(error))
        return
    delay = spec.retry_delay(attempt)
    log.warning(
        "attempt %d of %s failed, retrying in %ds: %r",
        attempt,
        message.message_id,
        delay,
        error,
    )
    headers[ATTEMPT_HEADER] = attempt
    headers[ERROR_HEADER] = repr(error)[:1000]
    await _republish(broker, message, headers, queue=retry_queue(spec.queue, delay))


async def _dead_letter(
    broker: RabbitBroker, spec: ConsumerSpec, message: Any, reason: str
) -> None:
    headers = dict(message.headers or {})
    headers[ERROR_HEADER] = reason[:1000]
    await _republish(
        broker, message, headers, exchange=DEAD_LETTERS, routing_key=spec.queue
    )


async def _republish(
    broker: RabbitBroker,
    message: Any,
    headers: dict[str, Any],
    *,
    queue: str = "",
    exchange: RabbitExchange | None = None,
    routing_key: str = "",
) -> None:
    """Publish a copy (confirmed), then ack the original; if that fails, requeue it."""
    raw = message.raw_message
    try:
        await broker.publish(
            message.body,
            queue=queue,
            exchange=exchange,
            routing_key=routing_key,
            persist=True,
            timeout=PUBLISH_TIMEOUT,
            headers=headers,
            message_id=raw.message_id,
            message_type=raw.type,
            content_type=raw.content_type,
        )
    except Exception:  # the copy is not safe: requeue the original
        log.exception("could not move message %s aside; requeueing", raw.message_id)
        await message.nack(requeue=True)
        return
    await message.ack()


class _Unhandled(EventData):
    """The data of an event type a dispatcher has no handler for."""

    model_config = ConfigDict(extra="allow", frozen=True)
    event_type: ClassVar[str] = "unhandled"
    aggregate_type: ClassVar[str] = "unhandled"


class _Dispatching:
    """Parses a body into the envelope of its own ``type``."""

    def __init__(self, events: Iterable[type[EventData]]) -> None:
        self.models = {event.cloudevent_type(): envelope_of(event) for event in events}

    def parse(self, body: bytes | str) -> Envelope[Any]:
        fallback = envelope_of(_Unhandled)
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            return fallback.model_validate_json(body)  # raises, naming the problem
        return self.models.get(str(document.get("type")), fallback).model_validate(
            document
        )


def register_handlers(
    broker: RabbitBroker,
    spec: ConsumerSpec,
    handlers: Mapping[type[EventData], Handler],
) -> None:
    """Subscribe one queue whose messages go to the handler of their event type.

    Event types without a handler (a queue bound to ``ticket.#`` sees them all)
    are acknowledged and skipped; a body that is not an envelope is dead-lettered.
    """
    dispatching = _Dispatching(handlers)
    by_type = {event.cloudevent_type(): handler for event, handler in handlers.items()}

    async def dispatch(envelope: Envelope[Any]) -> None:
        handler = by_type.get(envelope.type)
        if handler is None:
            log.debug("%s has no handler for %s", spec.queue, envelope.type)
            return
        await handler(envelope)

    register_consumer(broker, spec, dispatching, dispatch)


_RELAY_TRACER = trace.get_tracer("desk_infra.relay")


class ConfirmingPublisher:
    """Publishes outbox rows over aio-pika directly, on one confirm channel.

    The relay's hot path: FastStream's publish adds a middleware chain and a
    message model per call, which capped a relay at a few hundred messages per
    second on this project's machines; this publisher sends the same message
    (persistent, mandatory, confirmed; a return raises) for a fraction of the
    CPU. The trace context travels in the row's headers, so consumers still
    continue the trace of the request that wrote the row.
    """

    def __init__(self, amqp_url: str) -> None:
        self._url = amqp_url
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._exchanges: dict[str, aio_pika.abc.AbstractExchange] = {}
        self._channel: aio_pika.abc.AbstractChannel | None = None

    async def connect(self) -> None:
        self._connection = await aio_pika.connect_robust(self._url)
        self._channel = await self._connection.channel(
            publisher_confirms=True, on_return_raises=True
        )

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def _exchange(self, name: str) -> aio_pika.abc.AbstractExchange:
        exchange = self._exchanges.get(name)
        if exchange is None:
            if self._channel is None:
                raise PublishFailed("the publisher is not connected")
            exchange = await self._channel.get_exchange(name, ensure=False)
            self._exchanges[name] = exchange
        return exchange

    async def __call__(self, message: OutboxMessage) -> None:
        # The publish span continues the trace of the request that wrote the row,
        # and the consumers continue from the publish span.
        with _RELAY_TRACER.start_as_current_span(
            f"{message.exchange} publish",
            context=propagate.extract(message.headers),
            kind=trace.SpanKind.PRODUCER,
            attributes={
                "messaging.system": "rabbitmq",
                "messaging.operation.type": "publish",
                "messaging.destination.name": message.exchange,
                "messaging.rabbitmq.destination.routing_key": message.routing_key,
                "messaging.message.id": str(message.event_id),
            },
        ):
            headers = dict(message.headers)
            propagate.inject(headers)
            await self._publish(message, headers)

    async def _publish(self, message: OutboxMessage, headers: dict[str, Any]) -> None:
        try:
            exchange = await self._exchange(message.exchange)
            await exchange.publish(
                aio_pika.Message(
                    message.body,
                    message_id=str(message.event_id),
                    type=message.event_type,
                    content_type="application/json",
                    headers=headers,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=message.routing_key,
                mandatory=True,
                timeout=PUBLISH_TIMEOUT,
            )
        # Whatever the broker or the connection raised, the row is not confirmed.
        except Exception as exc:
            raise PublishFailed(str(exc) or type(exc).__name__) from exc
