"""Mail handed over SMTP: stored, screened, deduplicated, rate-limited, announced."""

import asyncio
import uuid
from pathlib import Path
from typing import Any

import aiosmtplib
import orjson
import pytest
from desk_mail_ingest.config import MailSettings
from desk_mail_ingest.entrypoints.main import create_app
from desk_mail_ingest.entrypoints.smtp import start_smtp
from fastapi import FastAPI
from sqlalchemy import text

from tests.conftest import free_port
from tests.service.mail.conftest import RATE_LIMIT, Desk, fixture


async def send(
    settings: MailSettings, raw: bytes, to: str, sender: str = "jane@customer.example"
) -> tuple[int, str]:
    """Send over SMTP; 250 (anything else raises) and the mail id the server gave."""
    async with aiosmtplib.SMTP(
        hostname="127.0.0.1", port=settings.mail_smtp_port
    ) as smtp:
        errors, answer = await smtp.sendmail(sender, [to], raw)
    assert not errors
    return 250, answer.split()[-1]


def message(sender: str, subject: str, body: str = "Help!", **headers: str) -> bytes:
    extra = "".join(
        f"{name.replace('_', '-')}: {value}\r\n" for name, value in headers.items()
    )
    return (
        f"From: {sender}\r\nTo: support@desk.example\r\nSubject: {subject}\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@customer.example>\r\n{extra}\r\n{body}\r\n"
    ).encode()


async def announced(app: FastAPI, mail_id: str) -> dict[str, Any]:
    """The ``mail.received.v1`` envelope the outbox holds for ``mail_id``."""
    async with app.state.runtime.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT body FROM outbox WHERE routing_key = 'mail.received.v1'"
                " AND body::jsonb -> 'data' ->> 'mail_id' = :id"
            ),
            {"id": mail_id},
        )
        [body] = rows.scalars().all()
    return orjson.loads(body)  # type: ignore[no-any-return]


async def test_a_message_is_kept_and_announced_with_its_parts(
    mail_app: FastAPI, mail_settings: MailSettings, desk: Desk
) -> None:
    code, mail_id = await send(
        mail_settings, fixture("nested_multipart.eml"), desk.address
    )

    [accepted] = await desk.listed("accepted")
    event = await announced(mail_app, mail_id)

    assert code == 250
    assert accepted["id"] == mail_id
    assert event["tenantid"] == desk.tenant
    data = event["data"]
    assert data["body"] == "The printer on floor 2 is jammed."
    assert data["from_address"] == "jane@customer.example"
    assert [(a["filename"], a["inline"]) for a in data["attachments"]] == [
        ("shot.png", True),
        ("manual.pdf", False),
    ]
    blobs = Path(mail_settings.blob_url.removeprefix("file://"))
    kept = (blobs / data["raw_blob_key"]).read_bytes()
    assert kept.replace(b"\r\n", b"\n") == fixture("nested_multipart.eml").replace(
        b"\r\n", b"\n"
    )  # SMTP sends every line ending as CRLF
    assert (blobs / data["attachments"][1]["blob_key"]).read_bytes() == b"%PDF-1.4 fake"


async def test_a_reply_names_its_ticket_and_loses_its_quotes(
    mail_app: FastAPI, mail_settings: MailSettings, desk: Desk
) -> None:
    _, mail_id = await send(mail_settings, fixture("gmail_reply.eml"), desk.address)

    data = (await announced(mail_app, mail_id))["data"]

    assert data["ticket_id"] == "0191d3a4-7f00-7000-8000-00000000abcd"
    assert data["body"] == "Still jammed, sorry."
    assert "> We have reset" in data["full_body"]


async def test_unknown_recipients_are_refused(
    mail_settings: MailSettings, desk: Desk
) -> None:
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await send(
            mail_settings, message("a@b.example", "Hi"), "nobody@nowhere.example"
        )

    [recipient] = refused.value.recipients
    assert recipient.code == 550


@pytest.mark.parametrize(
    ("name", "sender", "reason"),
    [
        ("out_of_office.eml", "jane@customer.example", "automatic: Auto-Submitted"),
        ("missing_message_id.eml", "", "bounce: empty envelope sender"),
        ("dsn_bounce.eml", "mailer-daemon@mx.example", "bounce: delivery-status"),
    ],
)
async def test_automatic_mail_and_bounces_are_ignored_with_a_reason(
    mail_settings: MailSettings, desk: Desk, name: str, sender: str, reason: str
) -> None:
    code, _ = await send(mail_settings, fixture(name), desk.address, sender=sender)

    [ignored] = await desk.listed("ignored")

    assert code == 250
    assert str(ignored["reason"]).startswith(reason)
    assert await desk.listed("accepted") == []


async def test_a_message_seen_twice_is_accepted_once(
    mail_settings: MailSettings, desk: Desk
) -> None:
    raw = message("twice@customer.example", "Same message")

    await send(mail_settings, raw, desk.address)
    await send(mail_settings, raw, desk.address)

    assert len(await desk.listed("accepted")) == 1
    assert [i["reason"] for i in await desk.listed("ignored")] == ["duplicate"]


async def test_a_flooding_sender_is_quarantined_then_replayed(
    mail_settings: MailSettings, desk: Desk
) -> None:
    sender = f"flood-{uuid.uuid4().hex[:8]}@customer.example"
    for n in range(RATE_LIMIT + 2):
        await send(mail_settings, message(sender, f"Flood {n}"), desk.address)

    held = await desk.listed("quarantined")
    answer = await desk.api.post(
        f"/v1/mail/messages/{held[0]['id']}/replay", headers=desk.headers
    )

    assert [h["reason"] for h in held] == ["rate-limited", "rate-limited"]
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "accepted"
    assert len(await desk.listed("accepted")) == RATE_LIMIT + 1


async def test_what_is_not_mail_is_quarantined_and_listed(
    mail_settings: MailSettings, desk: Desk
) -> None:
    code, _ = await send(mail_settings, fixture("not_mail.eml"), desk.address)

    [held] = await desk.listed("quarantined")

    assert code == 250
    assert str(held["reason"]).startswith("unparseable")


async def test_other_tenants_do_not_see_a_tenants_mail(
    mail_settings: MailSettings, desk: Desk
) -> None:
    await send(mail_settings, message("jane@customer.example", "Mine"), desk.address)

    other = await desk.api.get(
        "/v1/mail/messages",
        params={"status": "accepted"},
        headers={"x-desk-tenant": "x"},
    )

    assert other.json()["items"] == []


async def test_storage_failures_ask_the_sender_to_retry(
    mail_settings: MailSettings, desk: Desk, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the blob store expects a directory")
    settings = mail_settings.model_copy(
        update={"mail_smtp_port": free_port(), "blob_url": f"file://{blocked}"}
    )
    app = create_app(settings)

    async with app.router.lifespan_context(app):
        with pytest.raises(aiosmtplib.SMTPDataError) as refused:
            await send(settings, message("jane@customer.example", "Hi"), desk.address)

    assert refused.value.code == 451
    assert await desk.listed("accepted") == []


async def test_a_database_outage_answers_451_at_the_recipient(
    mail_settings: MailSettings, desk: Desk
) -> None:
    settings = mail_settings.model_copy(
        update={
            "mail_smtp_port": free_port(),
            "pg_url": f"postgresql://postgres@127.0.0.1:{free_port()}",
        }
    )
    app = create_app(settings)
    runtime = app.state.runtime
    server = await start_smtp(
        app.state.intake, "127.0.0.1", settings.mail_smtp_port, 10_000
    )
    try:
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
            await send(settings, message("jane@customer.example", "Hi"), desk.address)
    finally:
        server.close()
        await server.wait_closed()
        await runtime.engine.dispose()

    [recipient] = refused.value.recipients
    assert recipient.code == 451


async def test_one_message_to_two_mailboxes_of_a_tenant_is_accepted_once(
    mail_settings: MailSettings, desk: Desk
) -> None:
    other = f"sales@{desk.tenant}.example"
    added = await desk.api.put(
        f"/v1/mail/mailboxes/{other}", json={}, headers=desk.headers
    )
    raw = message("jane@customer.example", "To both of you")

    async with aiosmtplib.SMTP(
        hostname="127.0.0.1", port=mail_settings.mail_smtp_port
    ) as smtp:
        errors, _ = await smtp.sendmail(
            "jane@customer.example", [desk.address, other], raw
        )
    await send(mail_settings, raw, other)  # and again, to one of them

    assert added.status_code == 201, added.text
    assert not errors
    assert len(await desk.listed("accepted")) == 1
    assert [i["reason"] for i in await desk.listed("ignored")] == ["duplicate"] * 2


async def test_a_flood_over_parallel_sessions_is_held_to_the_limit(
    mail_settings: MailSettings, desk: Desk
) -> None:
    sender = f"flood-{uuid.uuid4().hex[:8]}@customer.example"
    flood = [message(sender, f"Flood {n}") for n in range(RATE_LIMIT * 3)]

    await asyncio.gather(*(send(mail_settings, raw, desk.address) for raw in flood))

    assert len(await desk.listed("accepted")) == RATE_LIMIT
    held = await desk.listed("quarantined")
    assert [h["reason"] for h in held] == ["rate-limited"] * RATE_LIMIT * 2
