"""HTTP schemas of the in-app inbox: a person's notifications."""

import uuid

from pydantic import AwareDatetime, BaseModel


class NotificationRead(BaseModel):
    id: uuid.UUID
    ticket_id: uuid.UUID
    reference: str
    kind: str
    """``sla_warning``, ``sla_breach``, ``mention``, ``assigned``, ``public_reply``
    or ``status_changed``."""
    title: str
    body: str
    created_at: AwareDatetime
    read_at: AwareDatetime | None = None


class NotificationPage(BaseModel):
    """Newest first; pass ``next_cursor`` back as ``cursor`` for older ones."""

    items: list[NotificationRead]
    next_cursor: str | None = None
    unread_count: int


class ReadAllResult(BaseModel):
    marked: int
    """How many notifications were unread and are now read."""
