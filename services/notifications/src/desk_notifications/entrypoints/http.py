"""The internal inbox API, called by the gateway only.

The gateway authenticates the caller and names them in ``X-Desk-Tenant`` and
``X-Desk-User``; this API trusts those headers and must only be reachable from it.
"""

import uuid
from typing import Annotated

from desk_infra.logs import bind_log_context
from desk_infra.problems import Problem
from fastapi import APIRouter, Depends, Header, Query, Request
from helpdesk_contracts.api.notifications import (
    NotificationPage,
    NotificationRead,
    ReadAllResult,
)

from desk_notifications.service_layer.inbox import Inbox, Reader

router = APIRouter(prefix="/v1/me/notifications", tags=["inbox"])


async def reader(
    x_desk_tenant: Annotated[str, Header()],
    x_desk_user: Annotated[str, Header()],
    x_request_id: Annotated[str | None, Header()] = None,
) -> Reader:
    bind_log_context(
        tenant_id=x_desk_tenant, user_id=x_desk_user, correlation_id=x_request_id
    )
    return Reader(x_desk_tenant, x_desk_user)


def inbox(request: Request) -> Inbox:
    return request.app.state.inbox  # type: ignore[no-any-return]


ReaderDep = Annotated[Reader, Depends(reader)]
InboxDep = Annotated[Inbox, Depends(inbox)]


@router.get("", response_model=NotificationPage)
async def list_notifications(
    who: ReaderDep,
    box: InboxDep,
    cursor: Annotated[uuid.UUID | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    unread: Annotated[bool, Query()] = False,
) -> NotificationPage:
    """The caller's notifications, newest first, with how many are unread."""
    page = await box.page(who, cursor=cursor, limit=limit, unread_only=unread)
    return NotificationPage(
        items=[NotificationRead.model_validate(row) for row in page.items],
        next_cursor=page.next_cursor,
        unread_count=page.unread_count,
    )


@router.post("/read-all", response_model=ReadAllResult)
async def mark_all_read(who: ReaderDep, box: InboxDep) -> ReadAllResult:
    """Mark every unread notification of the caller read."""
    return ReadAllResult(marked=await box.mark_all_read(who))


@router.post("/{notification_id}/read", response_model=NotificationRead)
async def mark_read(
    notification_id: uuid.UUID, who: ReaderDep, box: InboxDep
) -> NotificationRead:
    """Mark one notification read; marking it again changes nothing."""
    row = await box.mark_read(who, notification_id)
    if row is None:
        raise Problem(404, f"no notification {notification_id} for this user")
    return NotificationRead.model_validate(row)
