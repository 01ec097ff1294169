"""Replaying quarantined or screened-out mail: once, however many operators press
replay, and never a duplicate."""

import asyncio
import uuid

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from tests.service.mail.conftest import Desk


async def events_of(app: FastAPI, mail_id: str) -> int:
    """How many ``mail.received.v1`` events the outbox holds for ``mail_id``."""
    async with app.state.runtime.engine.connect() as conn:
        found = await conn.execute(
            text(
                "SELECT count(*) FROM outbox WHERE routing_key = 'mail.received.v1'"
                " AND body::jsonb -> 'data' ->> 'mail_id' = :id"
            ),
            {"id": mail_id},
        )
        return int(found.scalar_one())


async def test_two_replays_at_once_announce_the_message_once(
    mail_app: FastAPI, desk: Desk
) -> None:
    raw = (
        f"Subject: No sender\r\nMessage-ID: <{uuid.uuid4().hex}@customer.example>"
        "\r\n\r\nWho am I?\r\n"
    ).encode()
    uploaded = await desk.api.post(
        f"/v1/mail/mailboxes/{desk.address}/messages", content=raw, headers=desk.headers
    )
    mail_id = uploaded.json()["mail_id"]
    url = f"/v1/mail/messages/{mail_id}/replay"

    first, second = await asyncio.gather(
        desk.api.post(url, headers=desk.headers),
        desk.api.post(url, headers=desk.headers),
    )

    assert uploaded.json()["reason"] == "no sender address"
    assert [first.json()["status"], second.json()["status"]] == ["accepted"] * 2
    assert await events_of(mail_app, mail_id) == 1
    assert [m["id"] for m in await desk.listed("accepted")] == [mail_id]
    assert await desk.listed("ignored") == []


def human(message_id: str, **headers: str) -> bytes:
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return (
        "From: Jane <jane@customer.example>\r\nSubject: Printer\r\n"
        f"Message-ID: {message_id}\r\n{extra}\r\nThe printer is jammed.\r\n"
    ).encode()


async def upload(desk: Desk, raw: bytes) -> dict[str, str]:
    answer = await desk.api.post(
        f"/v1/mail/mailboxes/{desk.address}/messages", content=raw, headers=desk.headers
    )
    assert answer.status_code == 202, answer.text
    return answer.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "headers",
    [
        # Exchange stamps this on some people's mail to a distribution list.
        {"X-Auto-Response-Suppress": "All"},
        {"Return-Path": "<>"},
    ],
)
async def test_a_screened_out_message_replays_into_the_desk(
    mail_app: FastAPI, desk: Desk, headers: dict[str, str]
) -> None:
    ignored = await upload(desk, human(f"<{uuid.uuid4().hex}@c.example>", **headers))

    answer = await desk.api.post(
        f"/v1/mail/messages/{ignored['mail_id']}/replay", headers=desk.headers
    )

    assert ignored["status"] == "ignored"
    assert answer.json() == {
        "mail_id": ignored["mail_id"],
        "status": "accepted",
        "reason": f"replayed, was ignored: {ignored['reason']}",
    }
    assert await events_of(mail_app, ignored["mail_id"]) == 1
    [row] = await desk.listed("accepted")
    assert row["replayed_at"] is not None


async def test_a_duplicate_is_not_replayed(mail_app: FastAPI, desk: Desk) -> None:
    message_id = f"<{uuid.uuid4().hex}@c.example>"
    await upload(desk, human(message_id))
    duplicate = await upload(desk, human(message_id))

    answer = await desk.api.post(
        f"/v1/mail/messages/{duplicate['mail_id']}/replay", headers=desk.headers
    )

    assert duplicate["reason"] == "duplicate"
    assert answer.json()["reason"] == "duplicate"
    assert await events_of(mail_app, duplicate["mail_id"]) == 0
    [row] = await desk.listed("ignored")
    assert row["replayed_at"] is None


async def test_a_replayed_message_already_accepted_stays_a_duplicate(
    mail_app: FastAPI, desk: Desk
) -> None:
    message_id = f"<{uuid.uuid4().hex}@c.example>"
    automatic = await upload(desk, human(message_id, **{"Auto-Submitted": "auto"}))
    await upload(desk, human(message_id))

    answer = await desk.api.post(
        f"/v1/mail/messages/{automatic['mail_id']}/replay", headers=desk.headers
    )

    assert answer.json()["status"] == "ignored"
    assert answer.json()["reason"] == "duplicate"
    assert await events_of(mail_app, automatic["mail_id"]) == 0
