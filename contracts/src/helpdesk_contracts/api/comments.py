"""A ticket's conversation: comments (replies and internal notes) and attachments.

Files are sent as ``multipart/form-data`` (one or more ``file`` parts, and an
optional ``comment_id`` field before them), so they have no create schema here.
"""

import uuid
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints

from helpdesk_contracts.api.tickets import ActorRead
from helpdesk_contracts.vocabulary import TicketChannel

CommentBody = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)
]


class CommentCreate(BaseModel):
    """A reply the requester sees, or an internal note (``support:internal``).

    Mentions are written in the body: ``@user-id``, ``@name`` or ``@"Full Name"``.
    """

    model_config = ConfigDict(extra="forbid")

    body: CommentBody
    internal: bool = False


class AttachmentRead(BaseModel):
    id: uuid.UUID
    ticket_id: uuid.UUID
    comment_id: uuid.UUID | None
    filename: str
    content_type: str
    """Named from the file's bytes, not from what the uploader claimed."""
    size: int
    sha256: str | None
    internal: bool
    uploaded_by: str
    created_at: AwareDatetime
    content_url: str
    thumbnail_url: str | None
    """Set for images a thumbnail could be made of."""


class CommentRead(BaseModel):
    id: uuid.UUID
    ticket_id: uuid.UUID
    author: ActorRead
    body: str
    internal: bool
    mentions: list[str]
    """User ids of the tenant that the body mentions."""
    channel: TicketChannel
    created_at: AwareDatetime
    attachments: list[AttachmentRead]
