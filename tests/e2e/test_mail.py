"""Mail to the running desk: SMTP in, tickets and comments out, through the gateway."""

import smtplib
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from helpdesk_contracts.mail.threading import desk_message_id

from tests.e2e.conftest import Api, Desk, Outbox

pytestmark = pytest.mark.e2e

ADMIN = (
    "portal:tenants:write",
    "support:request:update:all",
    "support:request:delete:all",
    "support:internal",
    "support:comment:create",
)


def until(probe: Callable[[], Any], timeout: float = 20.0) -> Any:
    """The first truthy answer of ``probe``, polling until ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"nothing after {timeout:.0f}s")


def send(
    desk: Desk, to: str, raw: bytes, sender: str = "jane@customer.example"
) -> None:
    with smtplib.SMTP("127.0.0.1", desk.smtp_port, timeout=10) as smtp:
        smtp.sendmail(sender, [to], raw)


def mail(
    subject: str,
    body: str,
    author: str = "Jane Customer <jane@customer.example>",
    **headers: str,
) -> bytes:
    extra = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    return (
        f"From: {author}\r\n"
        f"To: support@desk.example\r\nSubject: {subject}\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@customer.example>\r\n{extra}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


@pytest.fixture
def admin(desk: Desk, tenant: str) -> Api:
    desk.cli(
        "token", "--tenant", tenant, "--user", "jane", "--kind", "requester",
        "--email", "jane@customer.example",
    )  # fmt: skip
    return Api(desk.gateway, desk.token(tenant, "alice", *ADMIN))


@pytest.fixture
def mailbox(admin: Api, tenant: str) -> str:
    address = f"support@{tenant}.example"
    answer = admin.put(f"/v1/mail/mailboxes/{address}", json={})
    assert answer.status_code == 201, answer.text
    return address


def tickets_titled(api: Api, subject: str) -> list[dict[str, Any]]:
    answer = api.get("/v1/tickets", params={"limit": 100})
    assert answer.status_code == 200, answer.text
    return [t for t in answer.json()["items"] if t["subject"] == subject]


def comments(api: Api, ticket_id: str) -> list[str]:
    answer = api.get(f"/v1/tickets/{ticket_id}/comments")
    assert answer.status_code == 200, answer.text
    return [c["body"] for c in answer.json()["items"]]


def test_mail_becomes_a_ticket_and_replies_thread_onto_it(
    desk: Desk, admin: Api, mailbox: str
) -> None:
    send(desk, mailbox, mail("Printer jammed", "The printer on floor 2 is jammed."))
    [ticket] = until(lambda: tickets_titled(admin, "Printer jammed"))

    by_headers = desk_message_id(uuid.UUID(ticket["id"]), "desk.example")
    send(
        desk,
        mailbox,
        mail(
            "Re: Printer jammed",
            "Still jammed.\r\n\r\nOn Monday the desk wrote:\r\n> Fixed?",
            In_Reply_To=by_headers,
        ),
    )
    send(desk, mailbox, mail(f"RE: [{ticket['reference']}] Printer", "Works now."))
    thread = until(
        lambda: (found := comments(admin, ticket["id"])) and len(found) == 2 and found
    )

    assert ticket["channel"] == "email"
    assert ticket["description"].startswith("[Created from email]")
    assert ticket["requester_id"] == "jane"
    assert sorted(thread) == ["Still jammed.", "Works now."]
    assert len(tickets_titled(admin, "Re: Printer jammed")) == 0


def test_out_of_office_and_bounces_create_nothing(
    desk: Desk, admin: Api, mailbox: str
) -> None:
    send(
        desk,
        mailbox,
        mail("Out of office", "Back Monday.", Auto_Submitted="auto-replied"),
    )
    send(desk, mailbox, mail("Undelivered Mail", "Gone."), sender="")

    ignored = until(
        lambda: (
            (
                items := admin.get(
                    "/v1/mail/messages", params={"status": "ignored"}
                ).json()["items"]
            )
            and len(items) == 2
            and items
        )
    )

    assert sorted(i["reason"].split(":")[0] for i in ignored) == ["automatic", "bounce"]
    assert tickets_titled(admin, "Out of office") == []
    assert tickets_titled(admin, "Undelivered Mail") == []


def test_a_malformed_message_is_quarantined_then_replayed(
    desk: Desk, admin: Api, mailbox: str, tenant: str
) -> None:
    def upload(subject: str) -> Any:
        raw = (
            f"Subject: {subject}\r\nX-Garbage: ".encode() + b"\xff\xfe\r\n\r\nWho?\r\n"
        )
        return admin.post(f"/v1/mail/mailboxes/{mailbox}/messages", content=raw)

    first, second = upload("Lost sender"), upload("Lost again")
    listed = desk.cli("mail", "quarantine", "list", "--tenant", tenant)

    replayed = admin.post(f"/v1/mail/messages/{first.json()['mail_id']}/replay")
    by_cli = desk.cli(
        "mail", "quarantine", "replay", second.json()["mail_id"], "--tenant", tenant
    )
    [ticket] = until(lambda: tickets_titled(admin, "Lost sender"))
    until(lambda: tickets_titled(admin, "Lost again"))

    assert first.status_code == 202, first.text
    assert first.json()["status"] == "quarantined"
    assert listed.count("reason: no sender address") == 2
    assert replayed.json()["status"] == "accepted"
    assert "is now accepted" in by_cli
    assert ticket["requester_id"] is None


def test_a_person_screened_out_as_automatic_is_replayed_into_a_ticket(
    desk: Desk, admin: Api, mailbox: str, tenant: str
) -> None:
    # Exchange puts this header on some people's mail to a distribution list.
    raw = mail("Heating off", "No heat in room 4.", X_Auto_Response_Suppress="All")
    send(desk, mailbox, raw)
    [ignored] = until(
        lambda: admin.get("/v1/mail/messages", params={"status": "ignored"}).json()[
            "items"
        ]
    )

    listed = desk.cli(
        "mail", "quarantine", "list", "--tenant", tenant, "--status", "ignored"
    )
    by_cli = desk.cli("mail", "quarantine", "replay", ignored["id"], "--tenant", tenant)
    [ticket] = until(lambda: tickets_titled(admin, "Heating off"))

    assert "reason: automatic: x-auto-response-suppress present" in listed
    assert "is now accepted" in by_cli
    assert ticket["requester_id"] == "jane"


def test_mail_administration_needs_the_tenant_admin_permission(
    desk: Desk, tenant: str
) -> None:
    operator = Api(
        desk.gateway, desk.token(tenant, "bob", "support:request:update:all")
    )

    answer = operator.get("/v1/mail/mailboxes")

    assert answer.status_code == 403


def test_a_stranger_hears_back_and_their_replies_thread_onto_the_ticket(
    desk: Desk, admin: Api, mailbox: str, outbox: Outbox
) -> None:
    sam = f"sam.{uuid.uuid4().hex[:8]}@stranger.example"
    subject = f"Scanner offline {sam}"
    send(desk, mailbox, mail(subject, "It shows E42.", f"Sam <{sam}>"), sender=sam)
    [ticket] = until(lambda: tickets_titled(admin, subject))
    path = f"/v1/tickets/{ticket['id']}/comments"
    note = admin.post(path, json={"body": "Firmware again?", "internal": True})
    answer = admin.post(path, json={"body": "Please unplug it for a minute."})
    [notice] = until(lambda: outbox.to(sam))

    by_headers = mail(
        "Re: my scanner",
        "Unplugged, it works.\r\n\r\n> Please unplug it for a minute.",
        f"Sam <{sam}>",
        In_Reply_To=notice["Message-ID"],
        References=notice["Message-ID"],
    )
    send(desk, notice["Reply-To"], by_headers, sender=sam)
    by_subject = mail(f"Re: {notice['Subject']}", "Thanks!", f"Sam <{sam}>")
    send(desk, notice["Reply-To"], by_subject, sender=sam)
    thread = until(
        lambda: (found := comments(admin, ticket["id"])) and len(found) == 4 and found
    )

    assert (ticket["requester_id"], ticket["requester_email"]) == (None, sam)
    assert note.status_code == answer.status_code == 201, (note.text, answer.text)
    assert notice["Reply-To"] == mailbox
    assert "Please unplug it for a minute." in notice.get_content()
    replies = sorted(c for c in thread if c.startswith("[Email from"))
    assert replies == [
        f"[Email from Sam <{sam}>]\n\nThanks!",
        f"[Email from Sam <{sam}>]\n\nUnplugged, it works.",
    ]
    assert len(tickets_titled(admin, subject)) == 1
    assert len(outbox.to(sam)) == 1  # the internal note never reached them
