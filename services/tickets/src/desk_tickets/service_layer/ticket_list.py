"""The Requests list: filters, free-text search, order, keyset pages, totals.

A cursor names the ticket a page ends (or starts) at and the way to go from it, so
pages stay stable while tickets are added. ``total`` is exact up to
``TOTAL_EXACT_UP_TO`` matches (``SEARCH_TOTAL_EXACT_UP_TO`` with a text search);
past that counting every row costs more than the page itself, so the planner's
estimate stands in and ``total_exact`` is false.
"""

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from helpdesk_contracts.api.tickets import SEARCH_TOTAL_EXACT_UP_TO, TOTAL_EXACT_UP_TO
from helpdesk_contracts.vocabulary import Priority, TicketStatus
from sqlalchemy import Text, cast
from sqlalchemy.dialects.postgresql import ARRAY

from desk_tickets.adapters import ticket_queries as q
from desk_tickets.adapters.tables import tickets as t
from desk_tickets.domain import access, tags
from desk_tickets.domain.access import Actor
from desk_tickets.domain.errors import Forbidden, InvalidField
from desk_tickets.domain.model import Ticket
from desk_tickets.service_layer.teams import with_teams
from desk_tickets.service_layer.unit_of_work import UnitOfWork

Way = Literal["after", "before"]
# The planner's estimate is trusted without counting when it is this many times
# the cap: it would have to be wrong by that factor for an exact count to be due.
ESTIMATE_TRUSTED_BEYOND = 3


@dataclass(frozen=True)
class TicketFilters:
    statuses: tuple[TicketStatus, ...] = ()
    priorities: tuple[Priority, ...] = ()
    topic_id: uuid.UUID | None = None
    sub_topic_id: uuid.UUID | None = None
    tags: tuple[str, ...] = ()
    assigned_to_me: bool = False
    unassigned: bool = False
    text: str | None = None
    newest_first: bool = True


@dataclass(frozen=True)
class TicketPage:
    items: list[Ticket]
    next_cursor: str | None
    prev_cursor: str | None
    total: int
    total_exact: bool


async def list_tickets(
    uow: UnitOfWork,
    actor: Actor,
    filters: TicketFilters,
    cursor: str | None,
    limit: int,
) -> TicketPage:
    if not actor.is_requester and not access.can_view_any(actor):
        raise Forbidden("viewing tickets needs a support:request:update permission")
    way: Way = "after"
    key: tuple[datetime, uuid.UUID] | None = None
    if cursor:
        way, key = decode_cursor(cursor)
    # Going back means walking the other way from the cursor, then turning round.
    descending = filters.newest_first == (way == "after")
    async with uow:
        if filters.assigned_to_me:
            actor = await with_teams(uow, actor)
        where = list_conditions(actor, filters)
        if where is None:
            return TicketPage([], None, None, 0, True)
        await uow.ticket_queries.without_jit()
        found = await uow.ticket_queries.page(
            actor.tenant_id,
            where.every,
            descending=descending,
            after=key,
            limit=limit + 1,
            any_of=where.any_of,
        )
        total, exact = await _total(uow, actor.tenant_id, where)
    more = len(found) > limit
    items = found[:limit] if way == "after" else found[:limit][::-1]
    return _page(items, way, more, cursor is not None, total, exact)


def _page(
    items: list[Ticket], way: Way, more: bool, paged: bool, total: int, exact: bool
) -> TicketPage:
    if not items:
        return TicketPage([], None, None, total, exact)
    further = more if way == "after" else True
    back = paged if way == "after" else more
    return TicketPage(
        items,
        encode_cursor("after", items[-1]) if further else None,
        encode_cursor("before", items[0]) if back else None,
        total,
        exact,
    )


@dataclass(frozen=True)
class Where:
    """Conditions a listed ticket meets: every one of ``every``, and one of
    ``any_of`` when there are some (the ways a text search can find it)."""

    every: list[Any]
    any_of: list[Any]


async def _total(uow: UnitOfWork, tenant_id: str, where: Where) -> tuple[int, bool]:
    """Exact up to the cap; past it, the planner's estimate. The estimate comes
    first: when it is far past the cap, counting to the cap would be wasted."""
    cap = SEARCH_TOTAL_EXACT_UP_TO if where.any_of else TOTAL_EXACT_UP_TO
    queries = uow.ticket_queries
    estimate = await queries.estimate(tenant_id, where.every, where.any_of)
    if estimate > ESTIMATE_TRUSTED_BEYOND * cap:
        return estimate, False
    counted = await queries.count_up_to(tenant_id, where.every, cap + 1, where.any_of)
    if counted <= cap:
        return counted, True
    return max(estimate, counted), False


def list_conditions(actor: Actor, filters: TicketFilters) -> Where | None:
    """The SQL conditions of the filters; None when nothing can match."""
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
    if filters.tags:
        wanted = sorted({tags.normalise(each, "tag") for each in filters.tags})
        conditions.append(t.c.tags.op("@>")(cast(wanted, ARRAY(Text))))
    if filters.assigned_to_me:
        conditions.append(q.assigned_to(actor.user_id, actor.team_ids))
    if filters.unassigned:
        conditions.append(q.unassigned())
    any_of: list[Any] = []
    if filters.text is not None and filters.text.strip():
        any_of = q.text_matches(actor.tenant_id, filters.text)
        if not any_of:
            return None
    return Where(conditions, any_of)


def encode_cursor(way: Way, ticket: Ticket) -> str:
    raw = f"{way[0]}|{ticket.created_at.isoformat()}|{ticket.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Way, tuple[datetime, uuid.UUID]]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        way, created, ticket_id = raw.split("|")
        if way not in ("a", "b"):
            raise ValueError(way)
        key = datetime.fromisoformat(created), uuid.UUID(ticket_id)
    except ValueError as exc:
        raise InvalidField("cursor", "not a cursor this list gave out") from exc
    return ("after" if way == "a" else "before"), key
