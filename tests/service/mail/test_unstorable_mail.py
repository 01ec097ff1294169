"""Mail a database would refuse is cleaned or quarantined, never retried forever."""

import secrets
import uuid
from collections.abc import AsyncIterable
from pathlib import Path

import httpx
from desk_infra.blobs import LocalBlobStore
from desk_infra.outbox import Outbox
from desk_mail_ingest.adapters import tables
from desk_mail_ingest.config import MailSettings
from desk_mail_ingest.entrypoints.imap import ImapPoller
from desk_mail_ingest.service_layer.intake import Limits, MailIntake
from fastapi import FastAPI

from tests.conftest import unique
from tests.service.mail.conftest import Desk, Dovecot, fixture
from tests.service.mail.test_imap_poller import deliver, unseen
from tests.service.mail.test_smtp_intake import message, send


async def test_nul_characters_do_not_keep_a_message_out(
    mail_settings: MailSettings, desk: Desk
) -> None:
    raw = (
        f"From: jane@customer.example\r\nSubject: Prin\x00ter\r\n"
        f"Message-ID: <{uuid.uuid4().hex}\x00@customer.example>\r\n\r\n"
        "It is bro\x00ken.\r\n"
    ).encode()

    code, _ = await send(mail_settings, raw, desk.address)

    [accepted] = await desk.listed("accepted")
    assert code == 250
    assert accepted["subject"] == "Printer"


def with_long_message_id(raw: bytes) -> bytes:
    """``raw`` with a Message-ID longer than a unique index entry can hold."""
    long_id = f"<{secrets.token_hex(1500)}@customer.example>"  # incompressible
    return raw.replace(b"Message-ID: <", f"Message-ID: {long_id}\r\nX-Old: <".encode())


async def test_an_over_long_message_id_is_accepted_once(desk: Desk) -> None:
    raw = with_long_message_id(message("jane@customer.example", "Long id"))
    url = f"/v1/mail/mailboxes/{desk.address}/messages"

    first = await desk.api.post(url, content=raw, headers=desk.headers)
    again = await desk.api.post(url, content=raw, headers=desk.headers)

    assert (first.status_code, again.status_code) == (202, 202), first.text
    assert (first.json()["status"], again.json()["status"]) == ("accepted", "ignored")
    assert [i["reason"] for i in await desk.listed("ignored")] == ["duplicate"]


class RefusingParts(LocalBlobStore):
    """A blob store that fails in an unforeseen way on a message's parts."""

    async def put(
        self,
        key: str,
        chunks: AsyncIterable[bytes] | bytes,
        *,
        content_type: str | None = None,
        max_bytes: int | None = None,
    ) -> int:
        if "/part-" in key:
            raise ValueError("this store cannot take that part")
        return await super().put(key, chunks, content_type=content_type)


async def test_a_message_that_trips_a_fault_of_its_own_is_quarantined(
    mail_app: FastAPI, desk: Desk, tmp_path: Path
) -> None:
    engine = mail_app.state.runtime.engine
    intake = MailIntake(
        engine, RefusingParts(tmp_path), Outbox(tables.outbox), Limits()
    )
    mailbox = await intake.mailbox(desk.address)

    outcome = await intake.receive(
        fixture("nested_multipart.eml"), mailbox, source="upload"
    )

    [held] = await desk.listed("quarantined")
    assert outcome.status == "quarantined"
    assert held["id"] == str(outcome.mail_id)
    assert str(held["reason"]).startswith("failed: ValueError(")


async def test_the_poller_goes_past_a_message_that_once_blocked_it(
    mail_app: FastAPI, mail_api: httpx.AsyncClient, dovecot: Dovecot
) -> None:
    tenant = unique("t")
    folder = f"desk-{uuid.uuid4().hex[:8]}"
    address = f"{unique('imap')}@{tenant}.example"
    imap = {
        "host": "127.0.0.1",
        "port": dovecot.port,
        "user": dovecot.user,
        "password": dovecot.password,
        "folder": folder,
        "tls": False,
    }
    await mail_api.put(
        f"/v1/mail/mailboxes/{address}",
        json={"imap": imap},
        headers={"x-desk-tenant": tenant},
    )
    blocking = with_long_message_id(message("jane@customer.example", "Long id"))
    deliver(dovecot, folder, blocking, message("joe@customer.example", "Next one"))
    poller = ImapPoller(
        mail_app.state.intake, mail_app.state.admin, interval=60, timeout=10
    )

    taken = await poller.poll(await mail_app.state.admin.get(tenant, address))

    listed = await mail_api.get(
        "/v1/mail/messages",
        params={"status": "accepted"},
        headers={"x-desk-tenant": tenant},
    )
    assert taken == 2
    assert sorted(m["subject"] for m in listed.json()["items"]) == [
        "Long id",
        "Next one",
    ]
    assert unseen(dovecot, folder) == []
