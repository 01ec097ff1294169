"""Outbound email: subject with the reference, desk Message-IDs, threading, loop guards.

Every mail about a ticket answers the ticket's root id ``<desk.<ticket>.root@domain>``
(``In-Reply-To`` and ``References``), so mail clients thread them together and a
reply names its ticket for mail-ingest (``helpdesk_contracts.mail.threading``).
Mail that invites an answer names the tenant's mailbox in ``Reply-To``; ``From``
stays the desk's one sender address, whichever tenant the mail is about.

The message is written out here rather than through ``email.message.EmailMessage``:
its header parsing cost milliseconds a message, more than everything else a worker
does. The shape is fixed (a few headers, one text/plain part in base64), and
``email.header`` and ``email.utils`` do the encoding that needs care.
"""

import base64
import uuid
from dataclasses import dataclass
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr

from helpdesk_contracts.mail.threading import desk_message_id

from desk_notifications.domain.model import Message

CRLF = "\r\n"


def root_message_id(ticket_id: uuid.UUID, domain: str) -> str:
    """The stable id every mail about the ticket replies to."""
    return f"<desk.{ticket_id}.root@{domain}>"


def is_plain_address(value: str) -> bool:
    """Whether ``value`` is one ASCII mail address, safe to write into a header."""
    # isprintable() refuses line breaks and tabs; the rest would split the header.
    unsafe = any(c in value for c in ' <>,;"')
    return "@" in value and value.isascii() and value.isprintable() and not unsafe


@dataclass(frozen=True)
class Sender:
    """Who the desk's mail comes from, parsed once: ``From`` and the envelope."""

    header: str
    address: str

    @classmethod
    def parse(cls, value: str) -> "Sender":
        name, address = parseaddr(value)
        if "@" not in address:
            raise ValueError(f"not a mail address: {value!r}")
        return cls(formataddr((name, address), "utf-8"), address)


@dataclass(frozen=True)
class OutgoingMail:
    """An RFC 5322 message and its SMTP envelope."""

    sender: str
    recipient: str
    data: bytes


def build_email(
    message: Message,
    *,
    ticket_id: uuid.UUID,
    reference: str,
    sender: Sender,
    domain: str,
    message_id: str | None = None,
    reply_to: str | None = None,
) -> OutgoingMail:
    """The email for ``message``; its recipient must have an address."""
    person = message.recipient
    assert person.email is not None
    root = root_message_id(ticket_id, domain)
    # One line: a name can come from a stranger's mail, and must not add headers.
    shown = " ".join(person.name.split())
    headers = [
        ("From", sender.header),
        ("To", formataddr((shown, person.email), "utf-8")),
        ("Subject", _text_header(f"[{reference}] {message.title}")),
        ("Date", formatdate(usegmt=True)),
        ("Message-ID", message_id or desk_message_id(ticket_id, domain)),
        ("In-Reply-To", root),
        ("References", root),
        ("X-Desk-Ticket", reference),
        # Ask autoresponders (RFC 3834, and Exchange's own header) not to answer.
        ("X-Auto-Response-Suppress", "All"),
    ]
    if reply_to is not None and is_plain_address(reply_to):
        headers.append(("Reply-To", reply_to))
    if message.automatic:
        headers.append(("Auto-Submitted", "auto-generated"))
    headers += [
        ("MIME-Version", "1.0"),
        ("Content-Type", 'text/plain; charset="utf-8"'),
        ("Content-Transfer-Encoding", "base64"),
    ]
    head = CRLF.join(f"{name}: {value}" for name, value in headers)
    body = base64.encodebytes(message.body.encode()).replace(b"\n", b"\r\n")
    return OutgoingMail(
        sender=sender.address,
        recipient=person.email,
        data=head.encode("ascii") + b"\r\n\r\n" + body,
    )


def _text_header(value: str) -> str:
    """Plain when ASCII, RFC 2047 encoded words otherwise; never a bare line break."""
    value = " ".join(value.split())
    if value.isascii():
        return value
    return Header(value, "utf-8").encode(linesep=CRLF)
