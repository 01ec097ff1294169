"""Notifications through the running desk: a mention lands in the in-app inbox and
in the mail, and the inbox is read and marked through the gateway."""

import time
from typing import Any

from tests.e2e.conftest import Api, Desk, Outbox

STAFF = ("support:request:update:all", "support:internal", "support:comment:create")


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
    assert f"an internal note on {ticket['reference']}" in page[0]["body"]
    assert "check the boiler" not in page[0]["body"]  # bob may not read notes
    [mail] = eventually(lambda: outbox.to(f"bob@{tenant}.test"))
    assert mail["Subject"].startswith(f"[{ticket['reference']}]")
    assert "check the boiler" not in mail.get_content()
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
