"""Inbound mail events, version 1: keys ``mail.<fact>.v1`` on ``helpdesk.events``.

The mail-ingest service publishes one ``mail.received.v1`` per accepted message;
the tickets service turns it into a ticket, or a comment when the message
threads onto one (by ``ticket_id`` from our own Message-IDs, else by reference).
"""

import uuid
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict

from helpdesk_contracts.envelope import EventData


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class MailAttachment(_Model):
    """A part stored in the blob store under ``blob_key``."""

    blob_key: str
    filename: str
    content_type: str
    size: int
    inline: bool = False
    content_id: str | None = None


class MailReceived(EventData):
    aggregate_type: ClassVar[str] = "mail"
    event_type: ClassVar[str] = "mail.received.v1"

    mail_id: uuid.UUID
    message_id: str
    mailbox: str
    default_topic_id: uuid.UUID | None = None
    from_address: str
    from_name: str | None = None
    sender_user_id: str | None = None
    subject: str
    body: str
    """The text of the message with quoted history and signature trimmed."""
    full_body: str | None = None
    """The whole text (HTML turned into text), for a message that opens a ticket:
    what a customer forwards is in the history a reply trims."""
    in_reply_to: str | None = None
    references: list[str] = []
    ticket_id: uuid.UUID | None = None
    """Set when a Message-ID the desk sent is named in the thread headers."""
    ticket_reference: str | None = None
    """A reference such as ``SR-2024-0001`` found in the subject."""
    attachments: list[MailAttachment] = []
    raw_blob_key: str
    received_at: AwareDatetime


MAIL_EVENTS: tuple[type[MailReceived], ...] = (MailReceived,)
