"""Operators list a queue's dead letters with their reason and replay them."""

import os

import aio_pika
from desk_infra.broker import (
    ERROR_HEADER,
    ConsumerSpec,
    create_broker,
    declare_consumer_topology,
)
from desk_infra.dead_letters import peek, replay
from desk_infra.settings import ServiceSettings
from helpdesk_contracts.routing import DEAD_LETTER_EXCHANGE

from tests.conftest import unique


async def test_dead_letters_are_listed_then_replayed_onto_their_queue() -> None:
    url = os.environ["DESK_AMQP_URL"]
    spec = ConsumerSpec(queue=unique("test.dlq"), bindings=(unique("nothing"),))
    broker = create_broker(ServiceSettings(), app_id="test")
    await broker.connect()
    await declare_consumer_topology(broker, spec)
    await broker.stop()
    connection = await aio_pika.connect(url)
    channel = await connection.channel()
    dlx = await channel.get_exchange(DEAD_LETTER_EXCHANGE)
    await dlx.publish(
        aio_pika.Message(b'{"n": 1}', message_id="m-1", headers={ERROR_HEADER: "boom"}),
        routing_key=spec.queue,
    )

    listed = await peek(url, spec.queue)
    listed_again = await peek(url, spec.queue)
    moved = await replay(url, spec.queue)
    back = await (await channel.get_queue(spec.queue)).get(fail=False)

    assert [(d.message_id, d.error, d.body) for d in listed] == [
        ("m-1", "boom", {"n": 1})
    ]
    assert len(listed_again) == 1
    assert moved == 1
    assert back is not None
    assert back.message_id == "m-1"
    assert ERROR_HEADER not in (back.headers or {})
    await back.ack()
    for name in (spec.queue, f"{spec.queue}.dlq"):
        await channel.queue_delete(name)
    for queue in spec.retry_queues():
        await channel.queue_delete(queue.name)
    await connection.close()
