"""Comments and attachments on a ticket, and who may see, post and remove them.

A comment is a public reply or an internal note. Internal notes, and the files
attached to them, are for operators holding ``support:internal`` only: requesters
never see them, whatever their token holds.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from helpdesk_contracts.permissions import Permission
from helpdesk_contracts.vocabulary import ActorKind, TicketChannel

from desk_tickets.domain.access import Actor
from desk_tickets.domain.errors import Forbidden


@dataclass(frozen=True, slots=True)
class Attachment:
    id: uuid.UUID
    tenant_id: str
    ticket_id: uuid.UUID
    comment_id: uuid.UUID | None
    blob_key: str
    filename: str
    content_type: str
    size: int
    sha256: str | None
    thumbnail_key: str | None
    internal: bool
    uploaded_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Comment:
    id: uuid.UUID
    tenant_id: str
    ticket_id: uuid.UUID
    author_id: str
    author_kind: ActorKind
    body: str
    internal: bool
    mentions: tuple[str, ...]
    channel: TicketChannel
    created_at: datetime
    attachments: tuple[Attachment, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file already in the blob store, waiting to be attached to a ticket."""

    blob_key: str
    filename: str
    content_type: str
    size: int
    sha256: str | None = None
    thumbnail_key: str | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)


def sees_internal(actor: Actor) -> bool:
    """Whether internal notes, and what hangs off them, exist for this caller."""
    return not actor.is_requester and actor.has(Permission.INTERNAL)


def visible(actor: Actor, item: Comment | Attachment) -> bool:
    return not item.internal or sees_internal(actor)


def require_comment(actor: Actor, *, internal: bool) -> None:
    if not actor.has(Permission.COMMENT_CREATE):
        raise Forbidden(
            "posting comments needs support:comment:create", Permission.COMMENT_CREATE
        )
    if internal and not sees_internal(actor):
        raise Forbidden(
            "internal notes are for operators with support:internal",
            Permission.INTERNAL,
        )


def require_comment_removal(actor: Actor, comment: Comment) -> None:
    """Authors may remove their own comments, with ``support:comment:delete:own``."""
    if not actor.has(Permission.COMMENT_DELETE_OWN):
        raise Forbidden(
            "deleting comments needs support:comment:delete:own",
            Permission.COMMENT_DELETE_OWN,
        )
    if comment.author_id != actor.user_id:
        raise Forbidden(
            "only the author may delete a comment", Permission.COMMENT_DELETE_OWN
        )


def require_upload(actor: Actor) -> None:
    if not actor.has(Permission.ATTACHMENT_UPLOAD):
        raise Forbidden(
            "attaching files needs support:attachment:upload",
            Permission.ATTACHMENT_UPLOAD,
        )


def require_attaching_to(actor: Actor, comment: Comment) -> None:
    """Files join a comment only by its author, so nobody changes another's words."""
    if comment.author_id != actor.user_id:
        raise Forbidden(
            "only the comment's author may attach files to it",
            Permission.ATTACHMENT_UPLOAD,
        )


def require_attachment_removal(actor: Actor, attachment: Attachment) -> None:
    """Operators may remove any file they can see; requesters only their own."""
    if not actor.has(Permission.ATTACHMENT_DELETE):
        raise Forbidden(
            "deleting attachments needs support:attachment:delete",
            Permission.ATTACHMENT_DELETE,
        )
    if actor.is_requester and attachment.uploaded_by != actor.user_id:
        raise Forbidden(
            "requesters may delete only the files they uploaded",
            Permission.ATTACHMENT_DELETE,
        )
