"""Consumers made with ``register_consumer``, and the desk's topology, on RabbitMQ.

Each test runs a consumer on a queue of its own (with its retry and dead-letter
queues, deleted afterwards) and publishes to it from another broker, as another
service would.
"""

import asyncio
import itertools
import time
import uuid
from typing import Any

import pytest
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue
from desk_infra.broker import (
    ATTEMPT_HEADER,
    ERROR_HEADER,
    EVENTS,
    ConsumerSpec,
    outbox_publisher,
)
from desk_infra.logs import current_log_context
from desk_infra.outbox import OutboxMessage
from desk_infra.settings import ServiceSettings
from faststream.rabbit import RabbitBroker
from helpdesk_contracts import Envelope
from helpdesk_contracts.routing import (
    EVENTS_EXCHANGE,
    UNROUTED_EXCHANGE,
    dead_letter_queue,
    retry_queue,
)

from tests.conftest import unique
from tests.service.infra.support import (
    Probe,
    consuming,
    declared,
    probes,
    routing_key,
    until,
)


def fast_spec(key: str) -> ConsumerSpec:
    """Three attempts, one second apart, so that a failure reaches the DLQ quickly."""
    return ConsumerSpec(
        queue=unique("infra-test-consumer"),
        bindings=(key,),
        retry_delays=(1,),
        max_attempts=3,
    )


async def publish(broker: RabbitBroker, key: str, body: bytes | None = None) -> str:
    """Publish one probe (or ``body``) on ``helpdesk.events``; returns its id."""
    [envelope] = probes(key, 1)
    message_id = str(envelope.id)
    await broker.publish(
        envelope.to_json() if body is None else body,
        exchange=EVENTS,
        routing_key=key,
        persist=True,
        message_id=message_id,
        content_type="application/json",
    )
    return message_id


async def ready(channel: AbstractChannel, queue: str) -> int:
    """How many messages wait in ``queue``, neither delivered nor unacknowledged."""
    declared = await channel.declare_queue(queue, passive=True)
    count = declared.declaration_result.message_count
    assert count is not None
    return count


async def take(channel: AbstractChannel, queue: str) -> AbstractIncomingMessage:
    """The next message of ``queue``, acknowledged; waits for one to arrive."""
    source = await channel.get_queue(queue)
    while True:
        message = await source.get(no_ack=True, fail=False)
        if message is not None:
            return message
        await asyncio.sleep(0.05)


async def test_a_handled_message_is_acknowledged(
    settings: ServiceSettings, broker: RabbitBroker, channel: AbstractChannel
) -> None:
    key = routing_key()
    spec = fast_spec(key)
    handled: list[uuid.UUID] = []
    contexts: list[dict[str, str]] = []

    async def handle(envelope: Envelope[Any]) -> None:
        handled.append(envelope.id)
        contexts.append(current_log_context())

    async with consuming(settings, channel, spec, handle) as consumer:
        sent = await publish(broker, key)
        async with asyncio.timeout(5):
            await until(lambda: bool(handled))
        await consumer.stop()  # what it did not acknowledge goes back to the queue
        left = {
            q: await ready(channel, q)
            for q in (spec.queue, dead_letter_queue(spec.queue))
        }

    assert handled == [uuid.UUID(sent)]
    assert left == {spec.queue: 0, dead_letter_queue(spec.queue): 0}
    assert contexts == [
        {"tenant_id": "tenant-a", "message_id": sent, "aggregate_id": "probe-0"}
    ]


async def test_a_handler_that_fails_once_is_retried_after_the_delay(
    settings: ServiceSettings, broker: RabbitBroker, channel: AbstractChannel
) -> None:
    key = routing_key()
    spec = fast_spec(key)
    calls: list[tuple[float, uuid.UUID]] = []

    async def flaky(envelope: Envelope[Any]) -> None:
        calls.append((time.monotonic(), envelope.id))
        if len(calls) == 1:
            raise RuntimeError("first attempt fails")

    async with consuming(settings, channel, spec, flaky) as consumer:
        sent = await publish(broker, key)
        async with asyncio.timeout(10):
            await until(lambda: len(calls) >= 2)
        await consumer.stop()
        dead = await ready(channel, dead_letter_queue(spec.queue))
        left = await ready(channel, spec.queue)

    assert [message_id for _, message_id in calls] == [uuid.UUID(sent)] * 2
    assert calls[1][0] - calls[0][0] >= 0.9  # waited out retry_delays[0] = 1 s
    assert (dead, left) == (0, 0)


async def test_a_handler_that_keeps_failing_lands_in_the_dlq_after_max_attempts(
    settings: ServiceSettings, broker: RabbitBroker, channel: AbstractChannel
) -> None:
    key = routing_key()
    spec = fast_spec(key)
    calls: list[float] = []
    error = RuntimeError(unique("boom"))

    async def failing(envelope: Envelope[Any]) -> None:
        calls.append(time.monotonic())
        raise error

    async with consuming(settings, channel, spec, failing):
        sent = await publish(broker, key)
        async with asyncio.timeout(10):
            dead = await take(channel, dead_letter_queue(spec.queue))
        await asyncio.sleep(0.3)  # room for an attempt too many
        left = {
            q: await ready(channel, q) for q in (spec.queue, retry_queue(spec.queue, 1))
        }

    assert len(calls) == spec.max_attempts
    assert all(later - earlier >= 0.9 for earlier, later in itertools.pairwise(calls))
    assert dead.message_id == sent
    assert Envelope[Probe].parse(dead.body).id == uuid.UUID(sent)
    assert dead.headers[ERROR_HEADER] == repr(error)
    assert dead.headers[ATTEMPT_HEADER] == spec.max_attempts - 1
    assert left == {spec.queue: 0, retry_queue(spec.queue, 1): 0}


@pytest.mark.parametrize(
    "body", [b"not json at all", b'{"specversion": "1.0", "type": "x"}']
)
async def test_an_unreadable_message_goes_straight_to_the_dlq(
    settings: ServiceSettings,
    broker: RabbitBroker,
    channel: AbstractChannel,
    body: bytes,
) -> None:
    key = routing_key()
    spec = fast_spec(key)
    handled: list[uuid.UUID] = []

    async def handle(envelope: Envelope[Any]) -> None:
        handled.append(envelope.id)

    async with consuming(settings, channel, spec, handle):
        sent = await publish(broker, key, body)
        started = time.monotonic()
        async with asyncio.timeout(5):
            dead = await take(channel, dead_letter_queue(spec.queue))
        waited = time.monotonic() - started

    assert handled == []
    assert waited < 0.9  # no retry delay was waited out
    assert dead.body == body
    assert dead.message_id == sent
    assert str(dead.headers[ERROR_HEADER]).startswith("unreadable: ")
    assert ATTEMPT_HEADER not in dead.headers


async def test_a_message_never_acknowledged_is_dead_lettered_after_the_delivery_limit(
    settings: ServiceSettings, broker: RabbitBroker, channel: AbstractChannel
) -> None:
    key = routing_key()
    spec = ConsumerSpec(
        queue=unique("infra-test-limit"), bindings=(key,), delivery_limit=2
    )
    deliveries = 0

    async with declared(settings, channel, spec):
        sent = await publish(broker, key)
        main = await channel.get_queue(spec.queue)
        dlq = await channel.get_queue(dead_letter_queue(spec.queue))
        async with asyncio.timeout(10):
            while (dead := await dlq.get(no_ack=True, fail=False)) is None:
                # A consumer that crashes mid-message: it is returned, never acked.
                if (message := await main.get(no_ack=False, fail=False)) is not None:
                    deliveries += 1
                    await message.nack(requeue=True)
                await asyncio.sleep(0.02)
        left = await ready(channel, spec.queue)

    assert deliveries == spec.delivery_limit + 1
    assert dead.message_id == sent
    assert left == 0


async def test_an_event_no_queue_binds_is_kept_in_helpdesk_unrouted(
    broker: RabbitBroker, channel: AbstractChannel
) -> None:
    key = routing_key()  # no queue is bound for it
    [envelope] = probes(key, 1)
    message = OutboxMessage(
        id=1,
        event_id=envelope.id,
        event_type=envelope.type,
        exchange=EVENTS_EXCHANGE,
        routing_key=key,
        body=envelope.to_json(),
        headers={},
        attempts=1,
    )

    # A queue of our own on the fanout alternate exchange sees every unrouted
    # event, so the test need not read the shared helpdesk.unrouted queue.
    ours = await channel.declare_queue(exclusive=True)
    await ours.bind(UNROUTED_EXCHANGE)

    await outbox_publisher(broker)(message)  # mandatory: a returned message raises
    async with asyncio.timeout(5):
        kept = await take_ours(ours, str(envelope.id))

    assert kept.routing_key == key
    assert kept.exchange == EVENTS_EXCHANGE
    assert kept.body == envelope.to_json()


async def take_ours(queue: AbstractQueue, message_id: str) -> AbstractIncomingMessage:
    """Our message from a queue that may also hold other sessions' messages."""
    async with queue.iterator() as messages:
        async for message in messages:
            await message.ack()
            if message.message_id == message_id:
                return message
    raise AssertionError(f"{queue.name} stopped delivering")
