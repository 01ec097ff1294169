"""Outbound mail: reference in the subject, desk Message-IDs, threading, loop guards."""

from email import message_from_bytes, policy
from email.message import EmailMessage

from desk_notifications.domain.mail import Sender, build_email, root_message_id
from desk_notifications.domain.model import Message, NoticeKind, Recipient
from helpdesk_contracts.mail.threading import is_desk_message_id, ticket_of

from tests.unit.notifications.builders import REFERENCE, TICKET


def email_of(
    automatic: bool = True,
    title: str = "SLA breached: Printer",
    body: str = "Body",
    name: str = "Olga",
    reply_to: str | None = None,
) -> EmailMessage:
    someone = Recipient("olga", name, "olga@example.com")
    message = Message(someone, NoticeKind.SLA_BREACH, title, body, automatic)
    built = build_email(
        message,
        ticket_id=TICKET,
        reference=REFERENCE,
        sender=Sender.parse("Desk <desk@example.com>"),
        domain="desk.example.com",
        reply_to=reply_to,
    )
    assert built.sender == "desk@example.com"
    assert built.recipient == "olga@example.com"
    return message_from_bytes(built.data, policy=policy.default)


def test_the_subject_carries_the_reference() -> None:
    email = email_of()

    assert email["Subject"] == "[SR-2026-0042] SLA breached: Printer"
    assert email["To"] == "Olga <olga@example.com>"


def test_ids_name_the_ticket_and_thread_under_its_root() -> None:
    email = email_of()
    root = root_message_id(TICKET, "desk.example.com")

    assert is_desk_message_id(email["Message-ID"])
    assert ticket_of([email["Message-ID"]]) == TICKET
    assert email["In-Reply-To"] == root
    assert email["References"] == root
    assert ticket_of([root]) == TICKET


def test_automatic_mail_says_so_and_asks_for_no_autoreply() -> None:
    automatic, reply = email_of(), email_of(automatic=False)

    assert automatic["Auto-Submitted"] == "auto-generated"
    assert reply["Auto-Submitted"] is None
    assert automatic["X-Auto-Response-Suppress"] == "All"
    assert reply["X-Auto-Response-Suppress"] == "All"


def test_non_ascii_text_survives_and_no_header_can_be_injected() -> None:
    email = email_of(
        title="Zähler defekt\r\nBcc: evil@example.com",
        body="Grüße,\nLöwe",
        name="Jürgen Łukasz",
    )

    assert email["Subject"] == "[SR-2026-0042] Zähler defekt Bcc: evil@example.com"
    assert email["Bcc"] is None
    assert email["To"].addresses[0].display_name == "Jürgen Łukasz"
    assert email.get_content() == "Grüße,\nLöwe"


def test_replies_go_to_the_tenants_mailbox_when_one_is_given() -> None:
    answerable = email_of(reply_to="support@acme.example")
    plain = email_of()

    assert answerable["Reply-To"] == "support@acme.example"
    assert answerable["From"] == "Desk <desk@example.com>"
    assert plain["Reply-To"] is None


def test_a_reply_address_that_would_break_the_header_is_left_out() -> None:
    email = email_of(reply_to="support@acme.example\r\nBcc: evil@example.com")

    assert email["Reply-To"] is None
    assert email["Bcc"] is None


def test_a_name_with_a_line_break_adds_no_header() -> None:
    email = email_of(name="Sam\r\nBcc: evil@example.com")

    assert email["Bcc"] is None
    assert email["To"].addresses[0].display_name == "Sam Bcc: evil@example.com"
