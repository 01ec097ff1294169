"""The internal API of a ticket's conversation: comments and attachments.

Uploads are read as they arrive and streamed into the blob store; downloads are
streamed out of it. Like :mod:`.http`, this trusts the gateway's ``X-Desk-*``.
"""

import logging
import unicodedata
import uuid
from collections.abc import Callable
from typing import Annotated, Literal
from urllib.parse import parse_qsl, quote

from desk_infra.blobs import BlobNotFound, BlobStore, BlobTooLarge
from desk_infra.logs import bind_log_context
from desk_infra.problems import Problem
from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from helpdesk_contracts.api.comments import AttachmentRead, CommentCreate, CommentRead
from helpdesk_contracts.api.common import Page
from helpdesk_contracts.api.tickets import ActorRead
from pydantic import TypeAdapter, ValidationError

from desk_tickets.domain.comments import (
    Attachment,
    Comment,
    StoredFile,
    require_comment,
    require_upload,
)
from desk_tickets.domain.errors import InvalidField
from desk_tickets.entrypoints.http import ActorDep, IfMatchDep, UowDep
from desk_tickets.entrypoints.multipart import InvalidForm, MultipartReader, Part
from desk_tickets.service_layer import attachments, comments
from desk_tickets.service_layer.attachments import FileLimits

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/tickets/{ticket_id}")

MAX_FILES = 20
FLAG = TypeAdapter(bool)


def attachment_read(a: Attachment) -> AttachmentRead:
    url = f"/v1/tickets/{a.ticket_id}/attachments/{a.id}"
    return AttachmentRead(
        id=a.id,
        ticket_id=a.ticket_id,
        comment_id=a.comment_id,
        filename=a.filename,
        content_type=a.content_type,
        size=a.size,
        sha256=a.sha256,
        internal=a.internal,
        uploaded_by=a.uploaded_by,
        created_at=a.created_at,
        content_url=f"{url}/content",
        thumbnail_url=f"{url}/thumbnail" if a.thumbnail_key else None,
    )


def comment_read(c: Comment) -> CommentRead:
    return CommentRead(
        id=c.id,
        ticket_id=c.ticket_id,
        author=ActorRead(id=c.author_id, kind=c.author_kind),
        body=c.body,
        internal=c.internal,
        mentions=list(c.mentions),
        channel=c.channel,
        created_at=c.created_at,
        attachments=[attachment_read(a) for a in c.attachments],
    )


# --- comments ---------------------------------------------------------------------


@router.get("/comments", response_model=Page[CommentRead])
async def list_comments(
    ticket_id: uuid.UUID,
    unit: UowDep,
    who: ActorDep,
    order: Literal["oldest", "newest"] = "oldest",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[CommentRead]:
    page = await comments.list_comments(
        unit,
        who,
        ticket_id,
        newest_first=order == "newest",
        cursor=cursor,
        limit=limit,
    )
    return Page[CommentRead](
        items=[comment_read(c) for c in page.items],
        next_cursor=page.next_cursor,
        total=page.total,
    )


@router.post("/comments", response_model=CommentRead, status_code=201)
async def add_comment(
    ticket_id: uuid.UUID,
    unit: UowDep,
    who: ActorDep,
    request: Request,
    versions: IfMatchDep,
) -> Response:
    """JSON (``CommentCreate``) or a form of ``body`` and ``internal``; a
    multipart form may add ``file`` parts, posted with the comment at once."""
    bind_log_context(ticket_id=str(ticket_id))
    kind = _media_type(request)
    if kind == "multipart/form-data":
        comment = await _comment_with_files(unit, who, ticket_id, request, versions)
    else:
        raw = await request.body()
        if kind == "application/x-www-form-urlencoded":
            post = _comment_create(dict(parse_qsl(raw.decode("utf-8", "replace"))))
        else:
            post = _comment_create(raw)
        comment = await comments.add_comment(
            unit, who, ticket_id, post.body, post.internal, if_match=versions
        )
    # Encoded here: FastAPI would validate the model a second time first.
    return Response(
        comment_read(comment).model_dump_json(),
        status_code=201,
        media_type="application/json",
        headers={"Location": f"/v1/tickets/{ticket_id}/comments/{comment.id}"},
    )


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _comment_create(raw: bytes | dict[str, str]) -> CommentCreate:
    try:
        if isinstance(raw, dict):
            return CommentCreate.model_validate(raw)
        return CommentCreate.model_validate_json(raw)
    except ValidationError as error:
        raise _invalid(error) from error


def _invalid(error: ValidationError, *field: str) -> RequestValidationError:
    located = [{**e, "loc": ("body", *field, *e["loc"])} for e in error.errors()]
    return RequestValidationError(located)


async def _comment_with_files(
    unit: UowDep,
    who: ActorDep,
    ticket_id: uuid.UUID,
    request: Request,
    versions: frozenset[int] | None,
) -> Comment:
    """The comment and its files, checked before any file is stored: the ticket
    and ``support:comment:create`` first, ``internal`` if it came before them.
    One that comes after is checked with the rest, and the files are let go."""
    await comments.check_comment(unit, who, ticket_id, versions)

    def may_post(fields: dict[str, str]) -> None:
        require_comment(who, internal=_internal(fields))

    names = ("body", "internal")
    fields, stored = await _read_form(request, who, ticket_id, names, may_post)
    try:
        post = _comment_create(fields)
        return await comments.add_comment(
            unit,
            who,
            ticket_id,
            post.body,
            post.internal,
            attachments=stored,
            if_match=versions,
        )
    except BaseException:
        await attachments.discard_stored(request.app.state.blobs, stored)
        raise


def _internal(fields: dict[str, str]) -> bool:
    """The form's ``internal`` so far, read as ``CommentCreate`` reads it."""
    try:
        return FLAG.validate_python(fields.get("internal", False))
    except ValidationError as error:
        raise _invalid(error, "internal") from error


@router.get("/comments/{comment_id}", response_model=CommentRead)
async def get_comment(
    ticket_id: uuid.UUID, comment_id: uuid.UUID, unit: UowDep, who: ActorDep
) -> CommentRead:
    return comment_read(await comments.get_comment(unit, who, ticket_id, comment_id))


@router.delete("/comments/{comment_id}", status_code=204)
async def delete_comment(
    ticket_id: uuid.UUID,
    comment_id: uuid.UUID,
    unit: UowDep,
    who: ActorDep,
    request: Request,
    versions: IfMatchDep,
) -> Response:
    bind_log_context(ticket_id=str(ticket_id))
    blobs = request.app.state.blobs
    await comments.delete_comment(unit, blobs, who, ticket_id, comment_id, versions)
    return Response(status_code=204)


# --- attachments ------------------------------------------------------------------


@router.get("/attachments", response_model=Page[AttachmentRead])
async def list_attachments(
    ticket_id: uuid.UUID,
    unit: UowDep,
    who: ActorDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[AttachmentRead]:
    page = await attachments.list_attachments(
        unit, who, ticket_id, cursor=cursor, limit=limit
    )
    return Page[AttachmentRead](
        items=[attachment_read(a) for a in page.items],
        next_cursor=page.next_cursor,
        total=page.total,
    )


@router.post("/attachments", response_model=list[AttachmentRead], status_code=201)
async def upload_attachments(
    ticket_id: uuid.UUID,
    unit: UowDep,
    who: ActorDep,
    request: Request,
    versions: IfMatchDep,
    comment_id: uuid.UUID | None = None,
) -> list[AttachmentRead]:
    """One or more ``file`` parts, attached to the ticket or to ``comment_id``."""
    bind_log_context(ticket_id=str(ticket_id))
    await attachments.check_upload(unit, who, ticket_id, versions)
    fields, stored = await _read_form(request, who, ticket_id, ("comment_id",))
    try:
        if not stored:
            raise InvalidField("file", "the form holds no file")
        if "comment_id" in fields:
            comment_id = _comment_id(fields["comment_id"])
        records = await attachments.attach_files(
            unit, who, ticket_id, stored, comment_id=comment_id, if_match=versions
        )
    except BaseException:
        await attachments.discard_stored(request.app.state.blobs, stored)
        raise
    return [attachment_read(a) for a in records]


async def _read_form(
    request: Request,
    who: ActorDep,
    ticket_id: uuid.UUID,
    names: tuple[str, ...],
    before_files: Callable[[dict[str, str]], None] | None = None,
) -> tuple[dict[str, str], list[StoredFile]]:
    """The form's fields among ``names`` and its files, stored as they arrive;
    ``before_files`` judges the fields read so far before the first is stored.

    Nothing stays stored when reading fails: a file over the limit is a 413.
    """
    form = _form(request)
    blobs: BlobStore = request.app.state.blobs
    limits: FileLimits = request.app.state.file_limits
    fields: dict[str, str] = {}
    stored: list[StoredFile] = []
    try:
        async for part in form.parts():
            if part.filename is not None:
                if not stored:
                    require_upload(who)
                    if before_files is not None:
                        before_files(fields)
                stored.append(
                    await _store(blobs, who.tenant_id, ticket_id, part, limits)
                )
                _check_count(stored)
            elif part.name in names:
                fields[part.name] = await part.text()
    except BlobTooLarge as error:
        await attachments.discard_stored(blobs, stored)
        await form.drain(limit=limits.max_bytes)
        raise Problem(
            413,
            f"a file may have at most {error.limit} bytes",
            type_="too-large",
            max_bytes=error.limit,
        ) from error
    except InvalidForm as error:
        await attachments.discard_stored(blobs, stored)
        raise InvalidField("file", str(error)) from error
    except BaseException:
        await attachments.discard_stored(blobs, stored)
        raise
    return fields, stored


def _form(request: Request) -> MultipartReader:
    try:
        return MultipartReader(
            request.headers.get("content-type", ""), request.stream()
        )
    except InvalidForm as error:
        raise InvalidField("file", str(error)) from error


async def _store(
    blobs: BlobStore,
    tenant_id: str,
    ticket_id: uuid.UUID,
    part: Part,
    limits: FileLimits,
) -> StoredFile:
    return await attachments.store_file(
        blobs, tenant_id, ticket_id, part.filename, part.chunks(), limits
    )


def _check_count(stored: list[StoredFile]) -> None:
    if len(stored) > MAX_FILES:
        raise InvalidForm(f"at most {MAX_FILES} files at once")


def _comment_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value.strip())
    except ValueError as error:
        raise InvalidField("comment_id", "not a comment id") from error


@router.get("/attachments/{attachment_id}", response_model=AttachmentRead)
async def get_attachment(
    ticket_id: uuid.UUID, attachment_id: uuid.UUID, unit: UowDep, who: ActorDep
) -> AttachmentRead:
    found = await attachments.get_attachment(unit, who, ticket_id, attachment_id)
    return attachment_read(found)


@router.get("/attachments/{attachment_id}/content")
async def download_attachment(
    ticket_id: uuid.UUID,
    attachment_id: uuid.UUID,
    unit: UowDep,
    who: ActorDep,
    request: Request,
) -> Response:
    return await _download(unit, who, request, ticket_id, attachment_id, False)


@router.get("/attachments/{attachment_id}/thumbnail")
async def download_thumbnail(
    ticket_id: uuid.UUID,
    attachment_id: uuid.UUID,
    unit: UowDep,
    who: ActorDep,
    request: Request,
) -> Response:
    return await _download(unit, who, request, ticket_id, attachment_id, True)


@router.delete("/attachments/{attachment_id}", status_code=204)
async def delete_attachment(
    ticket_id: uuid.UUID,
    attachment_id: uuid.UUID,
    unit: UowDep,
    who: ActorDep,
    request: Request,
    versions: IfMatchDep,
) -> Response:
    bind_log_context(ticket_id=str(ticket_id))
    blobs = request.app.state.blobs
    await attachments.delete_attachment(
        unit, blobs, who, ticket_id, attachment_id, versions
    )
    return Response(status_code=204)


async def _download(
    unit: UowDep,
    who: ActorDep,
    request: Request,
    ticket_id: uuid.UUID,
    attachment_id: uuid.UUID,
    thumbnail: bool,
) -> Response:
    blobs = request.app.state.blobs
    try:
        download = await attachments.open_attachment(
            unit, blobs, who, ticket_id, attachment_id, thumbnail=thumbnail
        )
    except BlobNotFound as error:
        log.error("attachment %s has no content in the blob store", attachment_id)
        raise Problem(
            404, "the file's content is missing", type_="not-found"
        ) from error
    media_type = download.content_type
    if media_type == "text/plain":
        media_type += "; charset=utf-8"
    name = download.attachment.filename
    headers = {
        "Content-Length": str(download.size),
        "Content-Disposition": content_disposition(
            f"{name}.webp" if thumbnail else name
        ),
        "ETag": f'"{download.etag}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox",
        "Cache-Control": "private, no-cache",
    }
    return StreamingResponse(download.chunks, media_type=media_type, headers=headers)


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII ``filename`` and the exact ``filename*``
    (RFC 6266, with RFC 5987 encoding), for clients old and new."""
    ascii_name = (
        unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    )
    ascii_name = "".join(
        "_" if c in '"\\' or not c.isprintable() else c for c in ascii_name
    ).strip()
    fallback = ascii_name or "attachment"
    exact = quote(filename, safe="!#$&+-.^_`|~")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}"
