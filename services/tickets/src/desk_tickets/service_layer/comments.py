"""Use cases on a ticket's conversation: post, list and delete comments.

The HTTP API and the mail consumer share them; ``add_comment`` takes files that
are already in the blob store (see :mod:`.attachments` to put them there).
"""

import base64
import binascii
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from desk_infra.blobs import BlobError, BlobStore
from helpdesk_contracts.vocabulary import TicketChannel

from desk_tickets.domain import access
from desk_tickets.domain import comments as rules
from desk_tickets.domain.access import Actor
from desk_tickets.domain.comments import Attachment, Comment, StoredFile
from desk_tickets.domain.errors import InvalidField, NotFound, require_version
from desk_tickets.domain.mentions import mention_candidates, resolve_mentions
from desk_tickets.domain.model import Ticket
from desk_tickets.service_layer import comment_history as history
from desk_tickets.service_layer.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

MAX_BODY = 200_000


@dataclass(frozen=True)
class CommentPage:
    items: list[Comment]
    total: int
    next_cursor: str | None


async def add_comment(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: uuid.UUID,
    body: str,
    internal: bool = False,
    *,
    channel: TicketChannel = TicketChannel.PORTAL,
    attachments: Sequence[StoredFile] = (),
    comment_id: uuid.UUID | None = None,
    if_match: frozenset[int] | None = None,
) -> Comment:
    """Post a reply or an internal note, with files, its mentions resolved.

    Given a ``comment_id`` already used on the ticket, returns that comment and
    changes nothing, so a redelivered mail is not posted twice.
    """
    rules.require_comment(actor, internal=internal)
    text = _checked_body(body)
    now = datetime.now(UTC)
    post = _Post(actor, ticket_id, text, internal, channel, comment_id, now, if_match)
    if attachments:
        comment = await _post_with_files(uow, post, attachments)
    else:
        comment = await _post_alone(uow, post)
    log.info("comment %s posted (internal=%s)", comment.id, comment.internal)
    return comment


async def check_comment(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: uuid.UUID,
    if_match: frozenset[int] | None = None,
) -> None:
    """Refuse a comment before the files posted with it are read, if it cannot be
    posted whatever its fields say (``add_comment`` checks it all again)."""
    rules.require_comment(actor, internal=False)
    async with uow:
        await visible_ticket(uow, actor, ticket_id, if_match)


@dataclass(frozen=True)
class _Post:
    actor: Actor
    ticket_id: uuid.UUID
    text: str
    internal: bool
    channel: TicketChannel
    comment_id: uuid.UUID | None
    at: datetime
    if_match: frozenset[int] | None = None


async def _post_alone(uow: UnitOfWork, post: _Post) -> Comment:
    """The common case, written by one statement (see adapters.comment_posting)."""
    async with uow.autocommit() as work:
        ticket = await visible_ticket(work, post.actor, post.ticket_id, post.if_match)
        comment = await _drafted(work, post, ticket)
        entry = _comment_audit(post.actor, ticket, comment, post.at)
        events = work.event_rows([history.comment_added(post.actor, ticket, comment)])
        if not await work.comments.add_recorded(comment, entry, events):
            return await _existing(work, post.actor, ticket, comment.id)
    return comment


async def _post_with_files(
    uow: UnitOfWork, post: _Post, files: Sequence[StoredFile]
) -> Comment:
    actor, now = post.actor, post.at
    async with uow:
        ticket = await visible_ticket(uow, actor, post.ticket_id, post.if_match)
        comment = await _drafted(uow, post, ticket)
        if not await uow.comments.add(comment):
            return await _existing(uow, actor, ticket, comment.id)
        records = attached(actor, ticket, files, comment, now)
        await uow.attachments.add(records)
        comment = replace(comment, attachments=tuple(records))
        rows, events = history.files_added(actor, ticket, records, now)
        await uow.audit.record([_comment_audit(actor, ticket, comment, now), *rows])
        uow.publish(history.comment_added(actor, ticket, comment), *events)
        await uow.commit()
    return comment


async def _drafted(uow: UnitOfWork, post: _Post, ticket: Ticket) -> Comment:
    return Comment(
        id=post.comment_id or uuid.uuid4(),
        tenant_id=ticket.tenant_id,
        ticket_id=ticket.id,
        author_id=post.actor.user_id,
        author_kind=post.actor.kind,
        body=post.text,
        internal=post.internal,
        mentions=tuple(await _mentions(uow, ticket, post)),
        channel=post.channel,
        created_at=post.at,
    )


def _comment_audit(
    actor: Actor, ticket: Ticket, comment: Comment, now: datetime
) -> dict[str, object]:
    return history.audit_row(
        actor,
        ticket,
        now,
        "comment_added",
        ("comment", None, history.comment_fields(comment)),
        internal=comment.internal,
    )


async def _existing(
    uow: UnitOfWork, actor: Actor, ticket: Ticket, comment_id: uuid.UUID
) -> Comment:
    comment = await uow.comments.get(ticket.tenant_id, ticket.id, comment_id)
    if comment is None or not rules.visible(actor, comment):
        raise InvalidField("comment_id", f"{comment_id} is taken")
    return comment


def _checked_body(body: str) -> str:
    text = body.strip()
    if not text:
        raise InvalidField("body", "a comment needs some text")
    if len(text) > MAX_BODY:
        raise InvalidField("body", f"at most {MAX_BODY} characters")
    return text


async def _mentions(uow: UnitOfWork, ticket: Ticket, post: "_Post") -> list[str]:
    candidates = mention_candidates(post.text)
    if not candidates:
        return []
    users = await uow.comments.users(ticket.tenant_id, candidates)
    return resolve_mentions(
        candidates, users, internal=post.internal, requester_id=ticket.requester_id
    )


def attached(
    actor: Actor,
    ticket: Ticket,
    files: Sequence[StoredFile],
    comment: Comment | None,
    now: datetime,
) -> list[Attachment]:
    """Attachment records for stored files; a comment's files share its visibility."""
    return [
        Attachment(
            id=f.id,
            tenant_id=ticket.tenant_id,
            ticket_id=ticket.id,
            comment_id=comment.id if comment else None,
            blob_key=f.blob_key,
            filename=f.filename,
            content_type=f.content_type,
            size=f.size,
            sha256=f.sha256,
            thumbnail_key=f.thumbnail_key,
            internal=comment.internal if comment else False,
            uploaded_by=actor.user_id,
            created_at=now,
        )
        for f in files
    ]


async def list_comments(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: uuid.UUID,
    *,
    newest_first: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> CommentPage:
    """The comments the caller may see; the total counts those only."""
    after = decode_cursor(cursor) if cursor else None
    shown = rules.sees_internal(actor)
    async with uow:
        await visible_ticket(uow, actor, ticket_id)
        items = await uow.comments.page(
            ticket_id,
            include_internal=shown,
            newest_first=newest_first,
            after=after,
            limit=limit + 1,
        )
        total = await uow.comments.count(ticket_id, include_internal=shown)
    more = len(items) > limit
    items = items[:limit]
    next_cursor = encode_cursor(items[-1].created_at, items[-1].id) if more else None
    return CommentPage(items=items, total=total, next_cursor=next_cursor)


async def get_comment(
    uow: UnitOfWork, actor: Actor, ticket_id: uuid.UUID, comment_id: uuid.UUID
) -> Comment:
    async with uow:
        await visible_ticket(uow, actor, ticket_id)
        return await visible_comment(uow, actor, ticket_id, comment_id)


async def delete_comment(
    uow: UnitOfWork,
    blobs: BlobStore,
    actor: Actor,
    ticket_id: uuid.UUID,
    comment_id: uuid.UUID,
    if_match: frozenset[int] | None = None,
) -> None:
    """Remove one's own comment, and the files attached to it."""
    now = datetime.now(UTC)
    async with uow:
        ticket = await visible_ticket(uow, actor, ticket_id, if_match)
        comment = await visible_comment(
            uow, actor, ticket_id, comment_id, for_update=True
        )
        rules.require_comment_removal(actor, comment)
        files = list(comment.attachments)
        await uow.comments.mark_deleted(comment.id, now)
        await uow.attachments.mark_deleted((a.id for a in files), now)
        before = history.comment_fields(comment)
        entry = history.audit_row(
            actor,
            ticket,
            now,
            "comment_deleted",
            ("comment", before, None),
            internal=comment.internal,
        )
        rows, events = history.files_removed(actor, ticket, files, now)
        await uow.audit.record([entry, *rows])
        uow.publish(history.comment_deleted(actor, ticket, comment, now), *events)
        await uow.commit()
    await discard_blobs(blobs, files)


async def discard_blobs(blobs: BlobStore, files: Sequence[Attachment]) -> None:
    """Delete the bytes of removed files."""
    await discard_keys(blobs, [k for a in files for k in (a.blob_key, a.thumbnail_key)])


async def discard_keys(blobs: BlobStore, keys: Sequence[str | None]) -> None:
    """Delete blobs; a failure leaves an orphan to log, not an error to raise."""
    for key in filter(None, keys):
        try:
            await blobs.delete(key)
        except BlobError:
            log.warning("could not delete blob %s; it stays as an orphan", key)


async def visible_ticket(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: uuid.UUID,
    if_match: frozenset[int] | None = None,
) -> Ticket:
    """The ticket, without its assignees, if the caller may see it and it is at a
    version ``if_match`` names (comments and files leave the version alone, but a
    caller may still want to add them only to the ticket as they last read it)."""
    ticket = await uow.comments.ticket(actor.tenant_id, ticket_id)
    if ticket is None or not access.can_view(actor, ticket):
        raise NotFound("ticket", ticket_id)
    require_version("ticket", ticket.version, if_match)
    return ticket


async def visible_comment(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: uuid.UUID,
    comment_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> Comment:
    comment = await uow.comments.get(
        actor.tenant_id, ticket_id, comment_id, for_update=for_update
    )
    if comment is None or not rules.visible(actor, comment):
        raise NotFound("comment", comment_id)
    return comment


def encode_cursor(created_at: datetime, key: uuid.UUID) -> str:
    """A cursor after the comment or file created then, with that id."""
    raw = f"{created_at.isoformat()}|{key}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        at, _, key = base64.urlsafe_b64decode(cursor).decode().partition("|")
        return datetime.fromisoformat(at), uuid.UUID(key)
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidField("cursor", "not a cursor this API gave out") from error
