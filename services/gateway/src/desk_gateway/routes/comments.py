"""``/v1/tickets/{id}/comments`` and ``/attachments``: a ticket's conversation.

Uploads and downloads stream through the gateway to the tickets service and back;
neither side holds a whole file.
"""

import uuid
from typing import Annotated, Any, Literal

from desk_infra.problems import problem_responses
from fastapi import APIRouter, Depends, Query, Request, Response
from helpdesk_contracts.api.comments import AttachmentRead, CommentCreate, CommentRead
from helpdesk_contracts.api.common import Page
from helpdesk_contracts.permissions import Permission

from desk_gateway.auth import Principal
from desk_gateway.guards import TicketReader, TicketWorker, requires
from desk_gateway.routes.deps import IfMatch, Tickets

router = APIRouter(
    prefix="/v1/tickets/{ticket_id}",
    tags=["comments and attachments"],
    responses=problem_responses(401, 403, 404, 422, 502, 503, 504),
)

MAY_COMMENT = Depends(requires(Permission.COMMENT_CREATE))
MAY_DELETE_COMMENT = Depends(requires(Permission.COMMENT_DELETE_OWN))
MAY_UPLOAD = Depends(requires(Permission.ATTACHMENT_UPLOAD))
MAY_DELETE_FILE = Depends(requires(Permission.ATTACHMENT_DELETE))
UPLOAD_HEADERS = ("content-type", "content-length")
FILE_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file's bytes, as an attachment.",
        "content": {"application/octet-stream": {}},
    }
}


@router.get("/comments", response_model=Page[CommentRead], summary="Read the thread")
async def list_comments(
    ticket_id: uuid.UUID,
    request: Request,
    who: TicketReader,
    tickets: Tickets,
    order: Literal["oldest", "newest"] = "oldest",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """Replies, and internal notes for holders of ``support:internal``; ``total``
    counts only what the caller may see."""
    return await tickets.forward(
        "GET",
        f"/v1/tickets/{ticket_id}/comments",
        who,
        params=list(request.query_params.multi_items()),
    )


@router.post(
    "/comments",
    response_model=CommentRead,
    status_code=201,
    summary="Reply or add an internal note",
    responses=problem_responses(412, 413),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": CommentCreate.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["body"],
                        "properties": {
                            "body": {"type": "string"},
                            "internal": {"type": "boolean"},
                            "file": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                            },
                        },
                    }
                },
            },
        }
    },
)
async def add_comment(
    ticket_id: uuid.UUID,
    request: Request,
    who: TicketWorker,
    tickets: Tickets,
    _: Annotated[Principal, MAY_COMMENT],
    if_match: IfMatch,
) -> Response:
    """JSON, or a form whose ``file`` parts (``support:attachment:upload``) are
    attached to the comment as it is posted; send ``body`` and ``internal``
    before them, so that a refused comment is refused before its files are read.
    ``internal: true`` needs ``support:internal``. Mention people in the body as
    ``@user-id``, ``@name`` or ``@"Full Name"``; they are told."""
    path = f"/v1/tickets/{ticket_id}/comments"
    kind = request.headers.get("content-type", "application/json")
    if kind.lower().startswith("multipart/"):
        return await tickets.stream(
            "POST", path, who, body=request.stream(), headers=_upload(request, if_match)
        )
    # A few kilobytes at most: one buffered call, cheaper than a stream.
    body = await request.body()
    headers = {"content-type": kind, **if_match}
    return await tickets.forward("POST", path, who, json_body=body, headers=headers)


def _upload(request: Request, if_match: dict[str, str]) -> dict[str, str]:
    """The headers a streamed form keeps: its type and length, and ``If-Match``."""
    return {
        **{k: v for k in UPLOAD_HEADERS if (v := request.headers.get(k))},
        **if_match,
    }


@router.get("/comments/{comment_id}", response_model=CommentRead)
async def get_comment(
    ticket_id: uuid.UUID, comment_id: uuid.UUID, who: TicketReader, tickets: Tickets
) -> Response:
    return await tickets.forward(
        "GET", f"/v1/tickets/{ticket_id}/comments/{comment_id}", who
    )


@router.delete(
    "/comments/{comment_id}",
    status_code=204,
    summary="Delete own comment",
    responses=problem_responses(412),
)
async def delete_comment(
    ticket_id: uuid.UUID,
    comment_id: uuid.UUID,
    who: TicketWorker,
    tickets: Tickets,
    _: Annotated[Principal, MAY_DELETE_COMMENT],
    if_match: IfMatch,
) -> Response:
    """Authors remove their own comments, and the files attached to them."""
    path = f"/v1/tickets/{ticket_id}/comments/{comment_id}"
    return await tickets.forward("DELETE", path, who, headers=if_match)


@router.get("/attachments", response_model=Page[AttachmentRead], summary="List files")
async def list_attachments(
    ticket_id: uuid.UUID,
    request: Request,
    who: TicketReader,
    tickets: Tickets,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """The ticket's files and its comments' (internal notes' only for staff), in
    the order they came, a page at a time; ``total`` counts what the caller may
    see."""
    return await tickets.forward(
        "GET",
        f"/v1/tickets/{ticket_id}/attachments",
        who,
        params=list(request.query_params.multi_items()),
    )


@router.post(
    "/attachments",
    response_model=list[AttachmentRead],
    status_code=201,
    summary="Upload files",
    responses=problem_responses(412, 413),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "comment_id": {"type": "string", "format": "uuid"},
                            "file": {"type": "string", "format": "binary"},
                        },
                    }
                }
            },
        }
    },
)
async def upload_attachments(
    ticket_id: uuid.UUID,
    request: Request,
    who: TicketWorker,
    tickets: Tickets,
    _: Annotated[Principal, MAY_UPLOAD],
    if_match: IfMatch,
    comment_id: uuid.UUID | None = None,
) -> Response:
    """One or more ``file`` parts (25 MB each by default; larger: 413), attached
    to the ticket, or to the caller's comment ``comment_id``."""
    path = f"/v1/tickets/{ticket_id}/attachments"
    if comment_id is not None:
        path += f"?comment_id={comment_id}"
    return await tickets.stream(
        "POST", path, who, body=request.stream(), headers=_upload(request, if_match)
    )


@router.get("/attachments/{attachment_id}", response_model=AttachmentRead)
async def get_attachment(
    ticket_id: uuid.UUID, attachment_id: uuid.UUID, who: TicketReader, tickets: Tickets
) -> Response:
    return await tickets.forward(
        "GET", f"/v1/tickets/{ticket_id}/attachments/{attachment_id}", who
    )


@router.get(
    "/attachments/{attachment_id}/content",
    response_class=Response,
    responses=FILE_ANSWERS,
    summary="Download a file",
)
async def download_attachment(
    ticket_id: uuid.UUID, attachment_id: uuid.UUID, who: TicketReader, tickets: Tickets
) -> Response:
    return await tickets.stream(
        "GET", f"/v1/tickets/{ticket_id}/attachments/{attachment_id}/content", who
    )


@router.get(
    "/attachments/{attachment_id}/thumbnail",
    response_class=Response,
    responses=FILE_ANSWERS,
    summary="Download an image's thumbnail",
)
async def download_thumbnail(
    ticket_id: uuid.UUID, attachment_id: uuid.UUID, who: TicketReader, tickets: Tickets
) -> Response:
    """A WebP at most 256 pixels on a side; 404 if none could be made."""
    return await tickets.stream(
        "GET", f"/v1/tickets/{ticket_id}/attachments/{attachment_id}/thumbnail", who
    )


@router.delete(
    "/attachments/{attachment_id}",
    status_code=204,
    summary="Delete a file",
    responses=problem_responses(412),
)
async def delete_attachment(
    ticket_id: uuid.UUID,
    attachment_id: uuid.UUID,
    who: TicketWorker,
    tickets: Tickets,
    _: Annotated[Principal, MAY_DELETE_FILE],
    if_match: IfMatch,
) -> Response:
    """Operators remove any file they see; requesters the ones they uploaded."""
    path = f"/v1/tickets/{ticket_id}/attachments/{attachment_id}"
    return await tickets.forward("DELETE", path, who, headers=if_match)
