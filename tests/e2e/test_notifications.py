"""Notifications through the running desk: a mention lands in the in-app inbox and
in the mail, and the inbox is read and marked through the gateway."""

import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.e2e.conftest import Api, Desk

STAFF = ("support:request:update:all", "support:internal", "support:comment:create")


class Outbox:
    """What the desk's notification workers mailed (an aiosmtpd server)."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []

    async def handle_DATA(  # the name aiosmtpd calls
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        assert isinstance(envelope.content, bytes)
        self.received.append(
            message_from_bytes(envelope.content, policy=policy.default)
        )
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if address in str(m["To"])]


@pytest.fixture(scope="module")
def outbox(desk: Desk) -> Iterator[Outbox]:
    found = Outbox()
    controller = Controller(found, hostname="127.0.0.1", port=desk.outbound_smtp_port)
    controller.start()
    yield found
    controller.stop()


def eventually(check: Any, seconds: float = 20.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_a_mention_reaches_the_inbox_and_the_mail_and_is_marked_read(
    desk: Desk, tenant: str, outbox: Outbox
) -> None:
    portal = Api(desk.gateway, desk.token(tenant, "portal", "portal:directory:write"))
    entries = [
        {"id": u, "name": u.title(), "email": f"{u}@{tenant}.test"}
        for u in ("olivia", "bob")
    ]
    assert portal.put("/v1/admin/directory/users", json={"entries": entries}).is_success
    olivia = Api(desk.gateway, desk.token(tenant, "olivia", *STAFF))
    bob = Api(desk.gateway, desk.token(tenant, "bob", *STAFF))
    ticket = olivia.post(
        "/v1/tickets", json={"subject": "Boiler", "description": "Cold water"}
    ).json()

    note = olivia.post(
        f"/v1/tickets/{ticket['id']}/comments",
        json={"body": "@bob can you check the boiler?", "internal": True},
    )

    assert note.status_code == 201, note.text
    page = eventually(lambda: bob.get("/v1/me/notifications").json()["items"])
    assert [n["kind"] for n in page] == ["mention"]
    assert page[0]["reference"] == ticket["reference"]
    assert "check the boiler" in page[0]["body"]
    [mail] = eventually(lambda: outbox.to(f"bob@{tenant}.test"))
    assert mail["Subject"].startswith(f"[{ticket['reference']}]")
    assert olivia.get("/v1/me/notifications").json()["items"] == []

    unread = bob.get("/v1/me/notifications", params={"unread": "true"}).json()
    read = bob.post(f"/v1/me/notifications/{page[0]['id']}/read")
    after = bob.get("/v1/me/notifications", params={"unread": "true"}).json()

    assert unread["unread_count"] == 1
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    assert after == {"items": [], "next_cursor": None, "unread_count": 0}
    assert olivia.post(f"/v1/me/notifications/{page[0]['id']}/read").status_code == 404
    assert bob.post("/v1/me/notifications/read-all").json() == {"marked": 0}
