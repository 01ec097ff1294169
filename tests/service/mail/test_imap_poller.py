"""The IMAP poller against a real Dovecot: unseen mail is taken once, then flagged."""

import imaplib
import uuid

import httpx
from desk_mail_ingest.entrypoints.imap import ImapPoller
from fastapi import FastAPI

from tests.conftest import unique
from tests.service.mail.conftest import Dovecot, fixture


def deliver(server: Dovecot, folder: str, *messages: bytes) -> None:
    """Put messages in a folder as a mail server would (IMAP APPEND)."""
    client = imaplib.IMAP4("127.0.0.1", server.port)
    try:
        client.login(server.user, server.password)
        client.create(folder)
        for raw in messages:
            client.append(folder, None, None, raw)
    finally:
        client.logout()


def unseen(server: Dovecot, folder: str) -> list[bytes]:
    client = imaplib.IMAP4("127.0.0.1", server.port)
    try:
        client.login(server.user, server.password)
        client.select(folder)
        _, found = client.uid("search", None, "UNSEEN")  # type: ignore[arg-type]  # typeshed wants str
        return [uid for uid in found[0].split()]
    finally:
        client.logout()


async def test_unseen_mail_is_taken_once_and_marked_seen(
    mail_app: FastAPI, mail_api: httpx.AsyncClient, dovecot: Dovecot
) -> None:
    tenant = unique("t")
    folder = f"desk-{uuid.uuid4().hex[:8]}"
    address = f"{unique('imap')}@{tenant}.example"
    answer = await mail_api.put(
        f"/v1/mail/mailboxes/{address}",
        json={
            "imap": {
                "host": "127.0.0.1",
                "port": dovecot.port,
                "user": dovecot.user,
                "password": dovecot.password,
                "folder": folder,
                "tls": False,
            }
        },
        headers={"x-desk-tenant": tenant},
    )
    assert answer.status_code == 201, answer.text
    assert "password" not in answer.text
    deliver(dovecot, folder, fixture("koi8_r.eml"), fixture("out_of_office.eml"))
    poller = ImapPoller(
        mail_app.state.intake, mail_app.state.admin, interval=60, timeout=10
    )
    mailbox = await mail_app.state.admin.get(tenant, address)

    first = await poller.poll(mailbox)
    second = await poller.poll(mailbox)

    listed = await mail_api.get(
        "/v1/mail/messages",
        params={"status": "accepted"},
        headers={"x-desk-tenant": tenant},
    )
    ignored = await mail_api.get(
        "/v1/mail/messages",
        params={"status": "ignored"},
        headers={"x-desk-tenant": tenant},
    )
    state = await mail_app.state.admin.get(tenant, address)
    assert (first, second) == (2, 0)
    subjects = [m["subject"] for m in listed.json()["items"]]
    assert subjects == ["Не работает принтер"]  # noqa: RUF001  # Cyrillic
    assert [m["source"] for m in ignored.json()["items"]] == ["imap"]
    assert unseen(dovecot, folder) == []
    assert state.last_error is None
    assert state.last_polled_at is not None


async def test_a_refused_login_is_recorded_on_the_mailbox(
    mail_app: FastAPI, mail_api: httpx.AsyncClient, dovecot: Dovecot
) -> None:
    tenant = unique("t")
    address = f"{unique('imap')}@{tenant}.example"
    imap = {
        "host": "127.0.0.1",
        "port": dovecot.port,
        "user": dovecot.user,
        "password": "wrong",
        "tls": False,
    }
    await mail_api.put(
        f"/v1/mail/mailboxes/{address}",
        json={"imap": imap},
        headers={"x-desk-tenant": tenant},
    )
    poller = ImapPoller(
        mail_app.state.intake, mail_app.state.admin, interval=60, timeout=10
    )

    taken = await poller.poll(await mail_app.state.admin.get(tenant, address))

    state = await mail_app.state.admin.get(tenant, address)
    assert taken == 0
    assert state.last_error is not None
    assert "ImapFailed" in state.last_error
