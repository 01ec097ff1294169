"""A sender the directory does not know stays on the ticket and in its events."""

import asyncio
import json
import os
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import pytest
from desk_tickets.config import TicketsSettings

from tests.conftest import unique
from tests.service.tickets.conftest import Caller
from tests.service.tickets.conversation import staff
from tests.service.tickets.test_mail_intake import received, take, tickets_of

STRANGER = {"from_address": "Sam@Elsewhere.example", "from_name": "Sam Stranger"}


@pytest.fixture
async def events() -> AsyncIterator[aio_pika.abc.AbstractQueue]:
    """A queue of this test's own, bound to every ticket event."""
    connection = await aio_pika.connect(os.environ["DESK_AMQP_URL"])
    channel = await connection.channel()
    queue = await channel.declare_queue(unique("test-requester"), exclusive=True)
    exchange = await channel.get_exchange("helpdesk.events")
    await queue.bind(exchange, routing_key="ticket.#")
    yield queue
    await connection.close()


async def data_of(
    queue: aio_pika.abc.AbstractQueue, tenant: str, types: set[str]
) -> dict[str, dict[str, Any]]:
    """The ``data`` of the tenant's first event of each type, by type."""
    found: dict[str, dict[str, Any]] = {}
    async with asyncio.timeout(10):
        while not types <= set(found):
            message = await queue.get(fail=False)
            if message is None:
                await asyncio.sleep(0.05)
                continue
            await message.ack()
            body = json.loads(message.body)
            if body["tenantid"] == tenant:
                name = body["type"].removeprefix("com.supportdesk.").rsplit(".", 1)[0]
                found.setdefault(name, body["data"])
    return found


async def test_an_unknown_sender_is_kept_on_the_ticket_and_in_its_events(
    tickets_settings: TicketsSettings,
    desk: Caller,
    events: aio_pika.abc.AbstractQueue,
) -> None:
    await take(tickets_settings, received(desk.tenant, **STRANGER))
    [row] = await tickets_of(tickets_settings, desk.tenant)

    reply = await staff(desk).post(f"/v1/tickets/{row.id}/comments", {"body": "On it."})
    pending = await desk.patch(f"/v1/tickets/{row.id}", {"status": "pending"})
    shown = (await desk.get(f"/v1/tickets/{row.id}")).json()

    assert reply.status_code == 201, reply.text
    assert pending.status_code == 200, pending.text
    assert (shown["requester_id"], shown["requester_email"]) == (
        None,
        "Sam@Elsewhere.example",
    )
    assert shown["requester_name"] == "Sam Stranger"
    kinds = {"ticket.created", "ticket.comment_added", "ticket.status_changed"}
    found = await data_of(events, desk.tenant, kinds)
    snapshot = found["ticket.created"]["ticket"]
    for data in (
        snapshot,
        found["ticket.comment_added"],
        found["ticket.status_changed"],
    ):
        assert data["requester_email"] == "Sam@Elsewhere.example"
        assert data["requester_name"] == "Sam Stranger"
