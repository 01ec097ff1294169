"""Helpers the comment and attachment tests share: callers and an event listener."""

import asyncio
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aio_pika

from tests.conftest import unique
from tests.service.tickets.conftest import ALL, Caller

STAFF = [
    *ALL,
    "support:comment:create",
    "support:comment:delete:own",
    "support:attachment:upload",
    "support:attachment:delete",
]
"""An operator who may do everything to comments and files, internal notes too."""
NO_INTERNAL = [p for p in STAFF if p != "support:internal"]
REQUESTER = [
    "support:comment:create",
    "support:comment:delete:own",
    "support:attachment:upload",
    "support:attachment:delete",
]


def staff(desk: Caller, user: str = "alice") -> Caller:
    return desk.as_user(user, permissions=STAFF)


def outsider(desk: Caller) -> Caller:
    """An operator without support:internal."""
    return desk.as_user("bob", permissions=NO_INTERNAL)


def requester(desk: Caller, extra: list[str] | None = None) -> Caller:
    return desk.as_user("rita", kind="requester", permissions=REQUESTER + (extra or []))


KEYS = ("comment_added", "comment_deleted", "attachment_added", "attachment_deleted")


class Events:
    """Conversation events of one tenant, as an outside AMQP client receives them."""

    def __init__(self, queue: aio_pika.abc.AbstractQueue, tenant: str) -> None:
        self.queue = queue
        self.tenant = tenant

    async def take(self, count: int) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        async with asyncio.timeout(10):
            while len(got) < count:
                message = await self.queue.get(fail=False)
                if message is None:
                    await asyncio.sleep(0.05)
                    continue
                await message.ack()
                event = json.loads(message.body)
                if event["tenantid"] == self.tenant:
                    got.append(event)
        return got


@asynccontextmanager
async def conversation_events(tenant: str) -> AsyncIterator[Events]:
    connection = await aio_pika.connect(os.environ["DESK_AMQP_URL"])
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(unique("test-talk"), exclusive=True)
        exchange = await channel.get_exchange("helpdesk.events")
        for fact in KEYS:
            await queue.bind(exchange, routing_key=f"ticket.{fact}.v1")
        yield Events(queue, tenant)
    finally:
        await connection.close()
