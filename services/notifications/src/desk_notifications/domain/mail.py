"""Outbound email: subject with the reference, desk Message-IDs, threading, loop guards.

Every mail about a ticket answers the ticket's root id ``<desk.<ticket>.root@domain>``
(``In-Reply-To`` and ``References``), so mail clients thread them together and a
reply names its ticket for mail-ingest (``helpdesk_contracts.mail.threading``).
"""

import uuid
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate

from helpdesk_contracts.mail.threading import desk_message_id

from desk_notifications.domain.model import Message


def root_message_id(ticket_id: uuid.UUID, domain: str) -> str:
    """The stable id every mail about the ticket replies to."""
    return f"<desk.{ticket_id}.root@{domain}>"


def build_email(
    message: Message,
    *,
    ticket_id: uuid.UUID,
    reference: str,
    sender: str,
    domain: str,
    message_id: str | None = None,
) -> EmailMessage:
    """The email for ``message``; its recipient must have an address."""
    person = message.recipient
    assert person.email is not None
    email = EmailMessage()
    email["From"] = sender
    email["To"] = Address(display_name=person.name, addr_spec=person.email)
    email["Subject"] = f"[{reference}] {message.title}"
    email["Date"] = formatdate(localtime=False, usegmt=True)
    email["Message-ID"] = message_id or desk_message_id(ticket_id, domain)
    root = root_message_id(ticket_id, domain)
    email["In-Reply-To"] = root
    email["References"] = root
    email["X-Desk-Ticket"] = reference
    # Ask autoresponders (RFC 3834 and Exchange's own header) never to answer us.
    email["X-Auto-Response-Suppress"] = "All"
    if message.automatic:
        email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body)
    return email
