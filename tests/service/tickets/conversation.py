"""Helpers the comment and attachment tests share: callers and an event listener."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tests.service.tickets.conftest import ALL, Caller, Listener, listening

STAFF = [
    *ALL,
    "support:comment:create",
    "support:comment:delete:own",
    "support:attachment:upload",
    "support:attachment:delete",
]
"""An operator who may do everything to comments and files, internal notes too."""
NO_INTERNAL = [p for p in STAFF if p != "support:internal"]
REQUESTER = [
    "support:comment:create",
    "support:comment:delete:own",
    "support:attachment:upload",
    "support:attachment:delete",
]


def staff(desk: Caller, user: str = "alice") -> Caller:
    return desk.as_user(user, permissions=STAFF)


def outsider(desk: Caller) -> Caller:
    """An operator without support:internal."""
    return desk.as_user("bob", permissions=NO_INTERNAL)


def requester(desk: Caller, extra: list[str] | None = None) -> Caller:
    return desk.as_user("rita", kind="requester", permissions=REQUESTER + (extra or []))


KEYS = ("comment_added", "comment_deleted", "attachment_added", "attachment_deleted")


class Events:
    """Conversation events of one tenant, as an outside AMQP client receives them."""

    def __init__(self, listener: Listener, tenant: str) -> None:
        self.listener = listener
        self.tenant = tenant

    async def take(self, count: int) -> list[dict[str, Any]]:
        return await self.listener.of_tenant(self.tenant, count)


@asynccontextmanager
async def conversation_events(tenant: str) -> AsyncIterator[Events]:
    async with listening(*(f"ticket.{fact}.v1" for fact in KEYS)) as listener:
        yield Events(listener, tenant)
