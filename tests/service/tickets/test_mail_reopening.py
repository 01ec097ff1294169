"""A requester's reply by mail reopens their waiting or finished ticket."""

import asyncio
import json
from typing import Any

import aio_pika
import pytest
from desk_tickets.config import TicketsSettings
from helpdesk_contracts import Envelope
from helpdesk_contracts.mail.v1 import MailReceived

from tests.service.tickets.conftest import Caller
from tests.service.tickets.test_mail_intake import (
    comments_of,
    received,
    take,
    tickets_of,
    with_email,
)
from tests.service.tickets.test_mail_requester import STRANGER, events

__all__ = ["events"]  # the fixture, used by name


async def mailed_ticket(
    settings: TicketsSettings, desk: Caller, status: str, **sender: str
) -> str:
    """A ticket opened by mail, then moved to ``status`` by an operator; its id."""
    await take(settings, received(desk.tenant, **sender))
    [row] = await tickets_of(settings, desk.tenant)
    moved = await desk.patch(f"/v1/tickets/{row.id}", {"status": status})
    assert moved.status_code == 200, moved.text
    return str(row.id)


async def reopening(queue: aio_pika.abc.AbstractQueue, tenant: str) -> dict[str, Any]:
    """The tenant's ``ticket.status_changed`` event back to open, as published."""
    async with asyncio.timeout(10):
        while True:
            message = await queue.get(fail=False)
            if message is None:
                await asyncio.sleep(0.05)
                continue
            await message.ack()
            body = json.loads(message.body)
            data: dict[str, Any] = body["data"]
            if body["tenantid"] == tenant and data.get("to_status") == "open":
                return data


def reply(desk: Caller, ticket_id: str, **fields: str) -> Envelope[MailReceived]:
    return received(desk.tenant, ticket_id=ticket_id, body="Still broken.", **fields)


async def status_changes(desk: Caller, ticket_id: str) -> list[tuple[str, str, str]]:
    audit = (await desk.get(f"/v1/tickets/{ticket_id}/audit")).json()["items"]
    return [
        (a["actor"]["id"], a["changes"]["status"]["before"], a["actor"]["kind"])
        for a in audit
        if a["action"] == "updated"
        and a["changes"].get("status", {}).get("after") == "open"
    ]


@pytest.mark.parametrize("status", ["pending", "resolved", "closed"])
async def test_the_requesters_reply_reopens_the_ticket(
    tickets_settings: TicketsSettings, desk: Caller, status: str
) -> None:
    await with_email(desk, "jane", "jane@customer.example")
    ticket_id = await mailed_ticket(tickets_settings, desk, status)
    answer = reply(desk, ticket_id)

    await take(tickets_settings, answer)
    await take(tickets_settings, answer)

    shown = (await desk.get(f"/v1/tickets/{ticket_id}")).json()
    assert shown["status"] == "open"
    assert (shown["resolved_at"], shown["closed_at"]) == (None, None)
    assert await status_changes(desk, ticket_id) == [("jane", status, "requester")]
    assert len(await comments_of(tickets_settings, shown["id"])) == 1


async def test_the_unknown_senders_reply_reopens_their_ticket_as_the_mail(
    tickets_settings: TicketsSettings,
    desk: Caller,
    events: aio_pika.abc.AbstractQueue,
) -> None:
    ticket_id = await mailed_ticket(tickets_settings, desk, "resolved", **STRANGER)

    await take(tickets_settings, reply(desk, ticket_id, **STRANGER))

    assert await status_changes(desk, ticket_id) == [("mail", "resolved", "system")]
    reopened = await reopening(events, desk.tenant)
    assert reopened["actor"] == {"id": "mail", "kind": "system"}
    assert reopened["requester_email"] == "Sam@Elsewhere.example"


async def test_someone_elses_reply_only_adds_a_comment(
    tickets_settings: TicketsSettings, desk: Caller
) -> None:
    await with_email(desk, "jane", "jane@customer.example")
    ticket_id = await mailed_ticket(tickets_settings, desk, "resolved")

    await take(
        tickets_settings, reply(desk, ticket_id, from_address="boss@customer.example")
    )

    shown = (await desk.get(f"/v1/tickets/{ticket_id}")).json()
    assert shown["status"] == "resolved"
    assert await status_changes(desk, ticket_id) == []
    assert len(await comments_of(tickets_settings, shown["id"])) == 1


async def test_a_redelivered_reply_does_not_reopen_a_ticket_resolved_since(
    tickets_settings: TicketsSettings, desk: Caller
) -> None:
    await with_email(desk, "jane", "jane@customer.example")
    ticket_id = await mailed_ticket(tickets_settings, desk, "resolved")
    answer = reply(desk, ticket_id)
    await take(tickets_settings, answer)
    await desk.patch(f"/v1/tickets/{ticket_id}", {"status": "resolved"})

    await take(tickets_settings, answer)

    shown = (await desk.get(f"/v1/tickets/{ticket_id}")).json()
    assert shown["status"] == "resolved"
    assert len(await status_changes(desk, ticket_id)) == 1
