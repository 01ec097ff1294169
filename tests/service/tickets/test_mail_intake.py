"""Inbound mail in the tickets service: a ticket, a comment, once, over RabbitMQ."""

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import aio_pika
import httpx
from desk_infra.broker import EVENTS, ConsumerSpec, create_broker
from desk_infra.outbox import Outbox
from desk_infra.runtime import Runtime
from desk_tickets.adapters import tables
from desk_tickets.config import TicketsSettings
from desk_tickets.entrypoints.worker import build_runtime, consumers, subscribe
from desk_tickets.service_layer.mail_intake import MailUnitOfWork, take_in_mail
from helpdesk_contracts import Envelope
from helpdesk_contracts.mail.v1 import MailAttachment, MailReceived
from sqlalchemy import select

from tests.conftest import unique
from tests.service.tickets.conftest import Caller


def received(tenant: str, **fields: Any) -> Envelope[MailReceived]:
    mail_id = uuid.uuid4()
    data = {
        "mail_id": mail_id,
        "message_id": f"<{mail_id.hex}@customer.example>",
        "mailbox": f"support@{tenant}.example",
        "from_address": "Jane@Customer.example",
        "from_name": "Jane",
        "subject": "Printer jammed",
        "body": "The printer is jammed.",
        "full_body": "The printer is jammed.\n\n> earlier words",
        "raw_blob_key": f"mail/x/{mail_id}/raw.eml",
        "received_at": datetime.now(UTC),
        **fields,
    }
    return Envelope.wrap(
        MailReceived(**data),
        source="mail-ingest",
        tenant_id=tenant,
        aggregate_id=str(mail_id),
        aggregate_version=1,
    )


async def with_email(desk: Caller, user: str, email: str) -> None:
    answer = await desk.request(
        "PUT",
        "/v1/admin/directory/users",
        json={"entries": [{"id": user, "name": user.title(), "email": email}]},
    )
    assert answer.status_code == 200, answer.text


async def tickets_of(settings: TicketsSettings, tenant: str) -> list[Any]:
    runtime = build_runtime(settings)
    try:
        async with runtime.engine.connect() as conn:
            rows = await conn.execute(
                select(tables.tickets).where(tables.tickets.c.tenant_id == tenant)
            )
            return list(rows)
    finally:
        await runtime.engine.dispose()


async def comments_of(settings: TicketsSettings, ticket_id: uuid.UUID) -> list[Any]:
    runtime = build_runtime(settings)
    try:
        async with runtime.engine.connect() as conn:
            rows = await conn.execute(
                select(tables.ticket_comments).where(
                    tables.ticket_comments.c.ticket_id == ticket_id
                )
            )
            return list(rows)
    finally:
        await runtime.engine.dispose()


async def take(settings: TicketsSettings, event: Envelope[MailReceived]) -> None:
    runtime = build_runtime(settings)
    try:
        await take_in_mail(MailUnitOfWork(runtime.engine, Outbox(tables.outbox)), event)
    finally:
        await runtime.engine.dispose()


async def test_a_new_mail_opens_an_email_ticket_for_the_known_sender(
    tickets_settings: TicketsSettings, desk: Caller
) -> None:
    await with_email(desk, "jane", "jane@customer.example")
    event = received(desk.tenant)

    await take(tickets_settings, event)
    await take(tickets_settings, event)

    [ticket] = await tickets_of(tickets_settings, desk.tenant)
    assert ticket.channel == "email"
    assert ticket.requester_id == "jane"
    assert ticket.subject == "Printer jammed"
    assert ticket.description == (
        "[Created from email]\n\nThe printer is jammed.\n\n> earlier words"
    )


async def test_an_unknown_sender_is_recorded_in_the_audit(
    tickets_settings: TicketsSettings, desk: Caller, service: httpx.AsyncClient
) -> None:
    event = received(desk.tenant, from_address="stranger@elsewhere.example")

    await take(tickets_settings, event)

    [ticket] = await tickets_of(tickets_settings, desk.tenant)
    audit = await desk.get(f"/v1/tickets/{ticket.id}/audit")
    [created] = audit.json()["items"]
    assert ticket.requester_id is None
    assert ticket.created_by_kind == "system"
    assert created["changes"]["from_address"] == "stranger@elsewhere.example"


async def test_a_reply_by_reference_or_desk_id_becomes_one_comment(
    tickets_settings: TicketsSettings, desk: Caller
) -> None:
    await with_email(desk, "jane", "jane@customer.example")
    await take(tickets_settings, received(desk.tenant))
    [ticket] = await tickets_of(tickets_settings, desk.tenant)
    by_subject = received(
        desk.tenant,
        subject=f"Re: [{ticket.reference}] Printer jammed",
        ticket_reference=ticket.reference,
        body="Still jammed.",
    )
    by_headers = received(
        desk.tenant,
        subject="Re: Printer",
        ticket_id=ticket.id,
        body="Now it works.",
        from_address="boss@customer.example",
        attachments=[
            MailAttachment(
                blob_key=f"mail/x/{uuid.uuid4()}/part-1",
                filename="photo.png",
                content_type="image/png",
                size=3,
            )
        ],
    )

    await take(tickets_settings, by_subject)
    await take(tickets_settings, by_headers)
    await take(tickets_settings, by_headers)

    comments = sorted(
        await comments_of(tickets_settings, ticket.id), key=lambda c: c.created_at
    )
    assert len(await tickets_of(tickets_settings, desk.tenant)) == 1
    assert [(c.body, c.author_id, c.channel) for c in comments] == [
        ("Still jammed.", "jane", "email"),
        ("[Email from Jane <boss@customer.example>]\n\nNow it works.", "mail", "email"),
    ]


async def drop_queues(settings: TicketsSettings, spec: ConsumerSpec) -> None:
    connection = await aio_pika.connect(settings.amqp_url.get_secret_value())
    channel = await connection.channel()
    for name in [spec.queue, spec.dead_letter_queue().name]:
        await channel.queue_delete(name)
    for queue in spec.retry_queues():
        await channel.queue_delete(queue.name)
    await connection.close()


async def test_the_worker_consumes_mail_from_rabbitmq(
    tickets_settings: TicketsSettings, desk: Caller
) -> None:
    worker = Runtime.build(
        "test-worker", tickets_settings, tickets_settings.tickets_database
    )
    spec = consumers(worker, mail_queue=unique("test.tickets.mail"))
    await subscribe(worker, spec)
    await worker.start()
    publisher = create_broker(tickets_settings, app_id="test-mail")
    await publisher.connect()
    event = received(desk.tenant, subject="Over the wire")
    try:
        await publisher.publish(
            event.to_json(),
            exchange=EVENTS,
            routing_key=event.routing_key,
            persist=True,
            message_id=str(event.id),
            content_type="application/json",
        )
        for _ in range(100):
            found = await tickets_of(tickets_settings, desk.tenant)
            if found:
                break
            await asyncio.sleep(0.1)
    finally:
        await publisher.stop()
        await worker.stop()
        await drop_queues(tickets_settings, spec[0].spec)

    assert [t.subject for t in found] == ["Over the wire"]
