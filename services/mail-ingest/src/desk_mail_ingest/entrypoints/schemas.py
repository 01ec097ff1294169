"""The mail-ingest HTTP API's bodies: mailboxes and received messages."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from desk_mail_ingest.adapters.repository import Mailbox


class ImapSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field(min_length=1, max_length=255)
    port: int | None = Field(default=None, ge=1, le=65535)
    user: str = Field(min_length=1, max_length=255)
    password: SecretStr
    folder: str = Field(default="INBOX", min_length=1, max_length=255)
    tls: bool = True


class ImapRead(BaseModel):
    host: str
    port: int | None
    user: str
    folder: str
    tls: bool


class MailboxUpdate(BaseModel):
    """A mailbox's settings; ``PUT`` replaces them all."""

    model_config = ConfigDict(extra="forbid")

    default_topic_id: uuid.UUID | None = None
    active: bool = True
    reply: bool = False
    """Name this address in Reply-To of the desk's mail to requesters (one mailbox
    of a tenant at a time; without one, the oldest active mailbox is named)."""
    imap: ImapSettings | None = None

    def columns(self) -> dict[str, object]:
        imap = self.imap
        return {
            "default_topic_id": self.default_topic_id,
            "active": self.active,
            "reply": self.reply,
            "imap_host": imap.host if imap else None,
            "imap_port": imap.port if imap else None,
            "imap_user": imap.user if imap else None,
            "imap_password": imap.password.get_secret_value() if imap else None,
            "imap_folder": imap.folder if imap else "INBOX",
            "imap_tls": imap.tls if imap else True,
        }


class MailboxRead(BaseModel):
    id: uuid.UUID
    address: str
    tenant_id: str
    default_topic_id: uuid.UUID | None
    active: bool
    reply: bool
    imap: ImapRead | None
    last_polled_at: datetime | None
    last_error: str | None

    @classmethod
    def of(cls, mailbox: Mailbox) -> "MailboxRead":
        imap = None
        if mailbox.imap_host and mailbox.imap_user:
            imap = ImapRead(
                host=mailbox.imap_host,
                port=mailbox.imap_port,
                user=mailbox.imap_user,
                folder=mailbox.imap_folder,
                tls=mailbox.imap_tls,
            )
        return cls(
            id=mailbox.id,
            address=mailbox.address,
            tenant_id=mailbox.tenant_id,
            default_topic_id=mailbox.default_topic_id,
            active=mailbox.active,
            reply=mailbox.reply,
            imap=imap,
            last_polled_at=mailbox.last_polled_at,
            last_error=mailbox.last_error,
        )


Status = Literal["accepted", "ignored", "quarantined"]


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    mailbox_id: uuid.UUID
    message_id: str
    source: str
    envelope_from: str | None
    from_address: str
    subject: str
    size: int
    status: Status
    reason: str | None
    received_at: datetime
    replayed_at: datetime | None


class MessagePage(BaseModel):
    items: list[MessageRead]
    next_before: datetime | None


class ReplyAddressRead(BaseModel):
    """Where replies to the desk's mail about a tenant's tickets go; none when the
    tenant has no active mailbox."""

    address: str | None


class OutcomeRead(BaseModel):
    mail_id: uuid.UUID
    status: Status
    reason: str | None
