"""Notifications through the running desk: a mention lands in the in-app inbox and
in the mail, and the inbox is read and marked through the gateway; an SLA breach
mails its template to the people its definition names.

The breach test waits for real time to pass: a definition counts in whole
minutes, so the shortest breach is one minute after the ticket is logged.
"""

import time
from typing import Any

from tests.conftest import unique
from tests.e2e.conftest import Api, Desk, Outbox

STAFF = ("support:request:update:all", "support:internal", "support:comment:create")
SETTINGS = ("support:sla:manage", "support:settings:topics", "support:settings:groups")
TEMPLATE = "{{ ticket.reference }} is overdue, {{ recipient.name }}"


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


def test_an_sla_breach_mails_its_template_to_the_primary_and_each_member_once(
    desk: Desk, tenant: str, outbox: Outbox
) -> None:
    portal = Api(desk.gateway, desk.token(tenant, "portal", "portal:directory:write"))
    people = ("olivia", "bob", "nils", "nora")
    entries = [
        {"id": u, "name": u.title(), "email": f"{u}@{tenant}.test"} for u in people
    ]
    assert portal.put("/v1/admin/directory/users", json={"entries": entries}).is_success
    olivia = Api(desk.gateway, desk.token(tenant, "olivia", *STAFF, *SETTINGS))
    team = olivia.post(
        "/v1/teams", json={"name": "Night", "member_ids": ["bob", "nils", "nora"]}
    )
    assert team.status_code == 201, team.text
    sla = olivia.post(
        "/v1/sla/definitions",
        json={
            "name": unique("One minute"),
            "breach": {"value": 1, "unit": "minute"},  # the shortest a clock counts
            "breach_template": TEMPLATE,
            "notify": {"primary_assignee": True, "all_assignees": True},
        },
    )
    assert sla.status_code == 201, sla.text
    topic = olivia.post(
        "/v1/topics",
        json={"name": unique("Heating"), "default_sla_id": sla.json()["id"]},
    )
    assert topic.status_code == 201, topic.text

    ticket = olivia.post(
        "/v1/tickets",
        json={
            "subject": "No heating",
            "description": "Radiators cold",
            "topic_id": topic.json()["id"],
            "assignee": {"kind": "user", "id": "bob"},
        },
    ).json()
    added = olivia.post(
        f"/v1/tickets/{ticket['id']}/assignees",
        json={"kind": "team", "id": team.json()["id"]},
    )

    assert added.status_code in (200, 201), added.text
    reference = ticket["reference"]

    def breaches() -> list[Any]:
        subject = f"[{reference}] SLA breached"
        return [m for m in outbox.received if str(m["Subject"]).startswith(subject)]

    eventually(lambda: len(breaches()) >= 3, seconds=75)
    time.sleep(1.0)  # time enough for a duplicate to show
    assert len(breaches()) == 3  # bob, primary and a member, is told once
    for name in ("bob", "nils", "nora"):
        [mail] = [m for m in breaches() if f"{name}@{tenant}.test" in str(m["To"])]
        assert f"{reference} is overdue, {name.title()}" in mail.get_content()
