"""Use cases on a ticket's files: store, attach, list, read and remove them.

Storing a file (``store_file``) streams it into the blob store, checking its size
as it goes; attaching (``attach_files``) records stored files on the ticket or on
one of its comments, with their audit entries and events. The mail consumer
stores what a message carries, then attaches it the same way.
"""

import functools
import hashlib
import logging
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import anyio
from desk_infra.blobs import BlobStore

from desk_tickets.adapters.thumbnails import THUMBNAIL_TYPE, thumbnail_of
from desk_tickets.domain import comments as rules
from desk_tickets.domain.access import Actor
from desk_tickets.domain.comments import Attachment, StoredFile
from desk_tickets.domain.errors import NotFound
from desk_tickets.domain.files import IMAGES, SNIFF_BYTES, sanitise_filename
from desk_tickets.domain.files import sniff_content_type as sniff
from desk_tickets.service_layer import comment_history as history
from desk_tickets.service_layer.comments import (
    attached,
    decode_cursor,
    discard_blobs,
    discard_keys,
    encode_cursor,
    visible_comment,
    visible_ticket,
)
from desk_tickets.service_layer.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AttachmentPage:
    items: list[Attachment]
    total: int
    next_cursor: str | None


@dataclass(frozen=True)
class FileLimits:
    max_bytes: int = 25 * 1024 * 1024
    max_pixels: int = 40_000_000
    thumbnail_edge: int = 256


def blob_key(tenant_id: str, ticket_id: uuid.UUID, file_id: uuid.UUID) -> str:
    return f"{tenant_id}/{ticket_id}/{file_id}"


async def check_upload(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: uuid.UUID,
    if_match: frozenset[int] | None = None,
) -> None:
    """Refuse an upload before its bytes are read, if it cannot be attached."""
    rules.require_upload(actor)
    async with uow:
        await visible_ticket(uow, actor, ticket_id, if_match)


async def store_file(
    blobs: BlobStore,
    tenant_id: str,
    ticket_id: uuid.UUID,
    filename: str | None,
    chunks: AsyncIterable[bytes] | bytes,
    limits: FileLimits,
) -> StoredFile:
    """Stream one file into the blob store: its name made safe, its type sniffed
    from its bytes, a thumbnail made of images. Raises ``BlobTooLarge`` past
    ``limits.max_bytes``, leaving nothing behind."""
    name = sanitise_filename(filename)
    file_id = uuid.uuid4()
    key = blob_key(tenant_id, ticket_id, file_id)
    probe = _Probe()
    size = await blobs.put(key, probe.watch(chunks), max_bytes=limits.max_bytes)
    try:
        content_type = sniff(bytes(probe.head), name)
        thumbnail = await _thumbnail(blobs, key, content_type, limits)
    except BaseException:
        await blobs.delete(key)
        raise
    return StoredFile(
        id=file_id,
        blob_key=key,
        filename=name,
        content_type=content_type,
        size=size,
        sha256=probe.digest.hexdigest(),
        thumbnail_key=thumbnail,
    )


class _Probe:
    """Sees the bytes go by: keeps the first few for sniffing and hashes them all."""

    def __init__(self) -> None:
        self.head = bytearray()
        self.digest = hashlib.sha256()

    async def watch(self, chunks: AsyncIterable[bytes] | bytes) -> AsyncIterator[bytes]:
        if isinstance(chunks, bytes):
            self._see(chunks)
            yield chunks
            return
        async for chunk in chunks:
            self._see(chunk)
            yield chunk

    def _see(self, chunk: bytes) -> None:
        if len(self.head) < SNIFF_BYTES:
            self.head += chunk[: SNIFF_BYTES - len(self.head)]
        self.digest.update(chunk)


async def _thumbnail(
    blobs: BlobStore, key: str, content_type: str, limits: FileLimits
) -> str | None:
    if content_type not in IMAGES:
        return None
    data = b"".join([chunk async for chunk in await blobs.open(key)])
    make = functools.partial(
        thumbnail_of,
        data,
        max_pixels=limits.max_pixels,
        edge=limits.thumbnail_edge,
    )
    thumbnail = await anyio.to_thread.run_sync(make)
    if thumbnail is None:
        return None
    thumbnail_key = f"{key}.thumb"
    await blobs.put(thumbnail_key, thumbnail, content_type=THUMBNAIL_TYPE)
    return thumbnail_key


async def discard_stored(blobs: BlobStore, files: Sequence[StoredFile]) -> None:
    """Delete the bytes of stored files that will not be attached after all."""
    await discard_keys(blobs, [k for f in files for k in (f.blob_key, f.thumbnail_key)])


async def attach_files(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: uuid.UUID,
    files: Sequence[StoredFile],
    *,
    comment_id: uuid.UUID | None = None,
    if_match: frozenset[int] | None = None,
) -> list[Attachment]:
    """Record stored files on the ticket, or on one of the caller's comments."""
    rules.require_upload(actor)
    now = datetime.now(UTC)
    async with uow:
        ticket = await visible_ticket(uow, actor, ticket_id, if_match)
        comment = None
        if comment_id is not None:
            comment = await visible_comment(uow, actor, ticket_id, comment_id)
            rules.require_attaching_to(actor, comment)
        records = attached(actor, ticket, files, comment, now)
        await uow.attachments.add(records)
        rows, events = history.files_added(actor, ticket, records, now)
        await uow.audit.record(rows)
        uow.publish(*events)
        await uow.commit()
    return records


async def list_attachments(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: uuid.UUID,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> AttachmentPage:
    """A page of the ticket's files and its comments', those of internal notes
    only to staff who may see them; the total counts what the caller may see."""
    after = decode_cursor(cursor) if cursor else None
    shown = rules.sees_internal(actor)
    async with uow:
        await visible_ticket(uow, actor, ticket_id)
        items = await uow.attachments.page(
            ticket_id, include_internal=shown, after=after, limit=limit + 1
        )
        total = await uow.attachments.count(ticket_id, include_internal=shown)
    more = len(items) > limit
    items = items[:limit]
    next_cursor = encode_cursor(items[-1].created_at, items[-1].id) if more else None
    return AttachmentPage(items=items, total=total, next_cursor=next_cursor)


async def get_attachment(
    uow: UnitOfWork, actor: Actor, ticket_id: uuid.UUID, attachment_id: uuid.UUID
) -> Attachment:
    async with uow:
        await visible_ticket(uow, actor, ticket_id)
        return await _visible_attachment(uow, actor, ticket_id, attachment_id)


@dataclass(frozen=True)
class Download:
    attachment: Attachment
    content_type: str
    size: int
    etag: str
    chunks: AsyncIterator[bytes]


async def open_attachment(
    uow: UnitOfWork,
    blobs: BlobStore,
    actor: Actor,
    ticket_id: uuid.UUID,
    attachment_id: uuid.UUID,
    *,
    thumbnail: bool = False,
) -> Download:
    """The file's bytes (or its thumbnail's), with what a download needs to say."""
    attachment = await get_attachment(uow, actor, ticket_id, attachment_id)
    if not thumbnail:
        chunks = await blobs.open(attachment.blob_key)
        tag = attachment.sha256 or attachment.id.hex
        return Download(
            attachment, attachment.content_type, attachment.size, tag, chunks
        )
    if attachment.thumbnail_key is None:
        raise NotFound("thumbnail of attachment", attachment_id)
    size = await blobs.size(attachment.thumbnail_key)
    chunks = await blobs.open(attachment.thumbnail_key)
    tag = f"{attachment.sha256 or attachment.id.hex}-thumb"
    return Download(attachment, THUMBNAIL_TYPE, size, tag, chunks)


async def delete_attachment(
    uow: UnitOfWork,
    blobs: BlobStore,
    actor: Actor,
    ticket_id: uuid.UUID,
    attachment_id: uuid.UUID,
    if_match: frozenset[int] | None = None,
) -> None:
    now = datetime.now(UTC)
    async with uow:
        ticket = await visible_ticket(uow, actor, ticket_id, if_match)
        attachment = await _visible_attachment(uow, actor, ticket_id, attachment_id)
        rules.require_attachment_removal(actor, attachment)
        await uow.attachments.mark_deleted([attachment.id], now)
        rows, events = history.files_removed(actor, ticket, [attachment], now)
        await uow.audit.record(rows)
        uow.publish(*events)
        await uow.commit()
    await discard_blobs(blobs, [attachment])


async def _visible_attachment(
    uow: UnitOfWork, actor: Actor, ticket_id: uuid.UUID, attachment_id: uuid.UUID
) -> Attachment:
    attachment = await uow.attachments.get(actor.tenant_id, ticket_id, attachment_id)
    if attachment is None or not rules.visible(actor, attachment):
        raise NotFound("attachment", attachment_id)
    return attachment
