"""``/v1/me/notifications``: the caller's in-app inbox (notifications service)."""

import uuid
from typing import Annotated

from desk_infra.problems import problem_responses
from fastapi import APIRouter, Query, Response
from helpdesk_contracts.api.notifications import (
    NotificationPage,
    NotificationRead,
    ReadAllResult,
)

from desk_gateway.guards import SupportUser
from desk_gateway.routes.deps import Notifications

router = APIRouter(
    prefix="/v1/me/notifications",
    tags=["inbox"],
    responses=problem_responses(401, 403, 422, 502, 503, 504),
)


@router.get("", response_model=NotificationPage, summary="List my notifications")
async def list_my_notifications(
    who: SupportUser,
    notifications: Notifications,
    cursor: Annotated[uuid.UUID | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    unread: Annotated[bool, Query()] = False,
) -> Response:
    """Newest first, with the number unread; ``unread=true`` lists only those."""
    params: dict[str, str | int] = {"limit": limit, "unread": str(unread).lower()}
    if cursor is not None:
        params["cursor"] = str(cursor)
    return await notifications.forward(
        "GET", "/v1/me/notifications", who, params=params
    )


@router.post(
    "/read-all", response_model=ReadAllResult, summary="Mark all my notifications read"
)
async def mark_all_my_notifications_read(
    who: SupportUser, notifications: Notifications
) -> Response:
    return await notifications.forward("POST", "/v1/me/notifications/read-all", who)


@router.post(
    "/{notification_id}/read",
    response_model=NotificationRead,
    responses=problem_responses(404),
    summary="Mark one notification read",
)
async def mark_my_notification_read(
    notification_id: uuid.UUID, who: SupportUser, notifications: Notifications
) -> Response:
    return await notifications.forward(
        "POST", f"/v1/me/notifications/{notification_id}/read", who
    )
