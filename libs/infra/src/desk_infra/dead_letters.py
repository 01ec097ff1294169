"""Inspecting and replaying a consumer queue's dead letters (``<queue>.dlq``)."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel
from helpdesk_contracts.routing import dead_letter_queue

from desk_infra.broker import ATTEMPT_HEADER, ERROR_HEADER


@dataclass(frozen=True)
class DeadLetter:
    message_id: str | None
    type: str | None
    error: str | None
    attempts: int
    body: Any


@asynccontextmanager
async def _channel(amqp_url: str) -> AsyncIterator[AbstractChannel]:
    connection = await aio_pika.connect(amqp_url)
    try:
        yield await connection.channel(publisher_confirms=True)
    finally:
        await connection.close()


def _letter(message: aio_pika.abc.AbstractIncomingMessage) -> DeadLetter:
    headers = message.headers or {}
    try:
        body: Any = json.loads(message.body)
    except ValueError:
        body = message.body.decode("utf-8", "replace")
    error = headers.get(ERROR_HEADER)
    return DeadLetter(
        message_id=message.message_id,
        type=message.type,
        error=str(error) if error is not None else None,
        attempts=int(str(headers.get(ATTEMPT_HEADER, 0))),
        body=body,
    )


async def peek(amqp_url: str, queue: str, limit: int = 50) -> list[DeadLetter]:
    """Up to ``limit`` dead letters of ``queue``, left where they are."""
    letters = []
    async with _channel(amqp_url) as channel:
        dlq = await channel.get_queue(dead_letter_queue(queue), ensure=True)
        taken = []
        for _ in range(limit):
            message = await dlq.get(fail=False, no_ack=False)
            if message is None:
                break
            taken.append(message)
            letters.append(_letter(message))
        for message in taken:
            await message.nack(requeue=True)
    return letters


async def replay(amqp_url: str, queue: str, limit: int | None = None) -> int:
    """Move dead letters back onto ``queue`` with a fresh attempt count."""
    moved = 0
    async with _channel(amqp_url) as channel:
        dlq = await channel.get_queue(dead_letter_queue(queue), ensure=True)
        while limit is None or moved < limit:
            message = await dlq.get(fail=False, no_ack=False)
            if message is None:
                break
            headers = {
                k: v
                for k, v in (message.headers or {}).items()
                if k not in (ATTEMPT_HEADER, ERROR_HEADER)
                and not k.startswith("x-death")
            }
            copy = aio_pika.Message(
                message.body,
                headers=headers,
                message_id=message.message_id,
                type=message.type,
                content_type=message.content_type,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            )
            await channel.default_exchange.publish(
                copy, routing_key=queue, mandatory=True
            )
            await message.ack()
            moved += 1
    return moved
