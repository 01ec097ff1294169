"""Replaying a quarantined message: once, however many operators press replay."""

import asyncio
import uuid

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
