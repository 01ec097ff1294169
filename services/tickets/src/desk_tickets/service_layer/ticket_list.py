"""The Requests list: filters, order and keyset pages over a tenant's tickets."""

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from helpdesk_contracts.vocabulary import Priority, TicketStatus

from desk_tickets.adapters.repository import assigned_filter, unassigned_filter
from desk_tickets.adapters.tables import tickets as t
from desk_tickets.domain import access
from desk_tickets.domain.access import Actor
from desk_tickets.domain.errors import Forbidden, InvalidField
from desk_tickets.domain.model import Ticket
from desk_tickets.service_layer.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class TicketFilters:
    statuses: tuple[TicketStatus, ...] = ()
    priorities: tuple[Priority, ...] = ()
    topic_id: uuid.UUID | None = None
    sub_topic_id: uuid.UUID | None = None
    assigned_to_me: bool = False
    unassigned: bool = False
    newest_first: bool = True


@dataclass(frozen=True)
class TicketPage:
    items: list[Ticket]
    next_cursor: str | None
    total: int


async def list_tickets(
    uow: UnitOfWork,
    actor: Actor,
    filters: TicketFilters,
    cursor: str | None,
    limit: int,
) -> TicketPage:
    if not actor.is_requester and not access.can_view_any(actor):
        raise Forbidden("viewing tickets needs a support:request:update permission")
    conditions = _conditions(actor, filters)
    after = _decode_cursor(cursor) if cursor else None
    async with uow:
        items = await uow.tickets.page(
            actor.tenant_id,
            filters=conditions,
            newest_first=filters.newest_first,
            after=after,
            limit=limit + 1,
        )
        total = await uow.tickets.count(actor.tenant_id, conditions)
    more = len(items) > limit
    items = items[:limit]
    next_cursor = _encode_cursor(items[-1]) if more else None
    return TicketPage(items, next_cursor, total)


def _conditions(actor: Actor, filters: TicketFilters) -> list[Any]:
    conditions: list[Any] = []
    if actor.is_requester:
        conditions.append(
            (t.c.requester_id == actor.user_id) | (t.c.created_by_id == actor.user_id)
        )
    if filters.statuses:
        conditions.append(t.c.status.in_([s.value for s in filters.statuses]))
    if filters.priorities:
        conditions.append(t.c.priority.in_([p.value for p in filters.priorities]))
    if filters.topic_id is not None:
        conditions.append(t.c.topic_id == filters.topic_id)
    if filters.sub_topic_id is not None:
        conditions.append(t.c.sub_topic_id == filters.sub_topic_id)
    if filters.assigned_to_me:
        conditions.append(assigned_filter(actor.user_id, actor.team_ids))
    if filters.unassigned:
        conditions.append(unassigned_filter())
    return conditions


def _encode_cursor(ticket: Ticket) -> str:
    raw = f"{ticket.created_at.isoformat()}|{ticket.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, ticket_id = raw.split("|")
        return datetime.fromisoformat(created), uuid.UUID(ticket_id)
    except ValueError as exc:
        raise InvalidField("cursor", "not a cursor this list gave out") from exc
