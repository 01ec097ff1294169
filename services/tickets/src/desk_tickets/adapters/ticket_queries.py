"""The Requests list's queries: conditions, keyset pages, and capped counts.

Every condition is on ``tickets`` (or correlated to it), so the planner can pick
between walking the creation-order index and collecting matches from the GIN
indexes; ``docs/triage.md`` shows the plans it picks.
"""

import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    tuple_,
    union,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from desk_tickets.adapters.repository import (
    READ_COLUMNS,
    TicketRepository,
    ticket_from_row,
)
from desk_tickets.adapters.tables import (
    COMMENT_DOCUMENT,
    SIMPLE,
    TICKET_DOCUMENT,
    team_members,
    ticket_assignees,
    ticket_comments,
    tickets,
)
from desk_tickets.domain.model import Ticket

Key = tuple[datetime, uuid.UUID]
_WORD = re.compile(r"\w+", re.UNICODE)
MIN_FRAGMENT = 3  # shorter text has no trigram to look up


def prefix_query(text: str) -> str | None:
    """A ``to_tsquery`` text matching every word of ``text`` as a prefix."""
    words = _WORD.findall(text.lower())[:8]
    return " & ".join(f"{w}:*" for w in words) or None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matching_ids(tenant_id: str, text: str) -> Select[Any] | None:
    """Ids of the tenant's live tickets that ``text`` finds: words (as prefixes) of
    the subject, description or public comments; part of the reference or subject."""
    t, c = tickets, ticket_comments
    parts: list[Select[Any]] = []
    query = prefix_query(text)
    if query is not None:
        tsquery = func.to_tsquery(SIMPLE, query)
        parts.append(
            select(t.c.id).where(
                t.c.tenant_id == tenant_id,
                t.c.deleted_at.is_(None),
                TICKET_DOCUMENT.op("@@")(tsquery),
            )
        )
        parts.append(
            select(c.c.ticket_id).where(
                c.c.tenant_id == tenant_id,
                ~c.c.internal,
                c.c.deleted_at.is_(None),
                COMMENT_DOCUMENT.op("@@")(tsquery),
            )
        )
    fragment = text.strip()
    if len(fragment) >= MIN_FRAGMENT:
        like = _like(fragment)
        parts.append(
            select(t.c.id).where(
                t.c.tenant_id == tenant_id,
                t.c.deleted_at.is_(None),
                or_(t.c.reference.ilike(like), t.c.subject.ilike(like)),
            )
        )
    if not parts:
        return None
    return select(union(*parts).subquery().c[0])


def assigned_to(tenant_id: str, user_id: str) -> ColumnElement[bool]:
    """Assigned to the user, or to a team the user is a member of."""
    a, m = ticket_assignees, team_members
    my_teams = select(cast(m.c.team_id, String)).where(
        m.c.tenant_id == tenant_id, m.c.user_id == user_id
    )
    return exists().where(
        a.c.ticket_id == tickets.c.id,
        or_(
            and_(a.c.kind == "user", a.c.assignee_id == user_id),
            and_(a.c.kind == "team", a.c.assignee_id.in_(my_teams)),
        ),
    )


def unassigned() -> ColumnElement[bool]:
    return ~exists().where(ticket_assignees.c.ticket_id == tickets.c.id)


def page_statement(
    tenant_id: str,
    conditions: Sequence[ColumnElement[bool]],
    *,
    descending: bool,
    after: Key | None,
    limit: int,
) -> Select[Any]:
    """One page in creation order (``descending`` or not), past ``after``."""
    key = tuple_(tickets.c.created_at, tickets.c.id)
    statement = select(*READ_COLUMNS).where(*_base(tenant_id), *conditions)
    if after is not None:
        bound = tuple_(*after)
        statement = statement.where(key < bound if descending else key > bound)
    order = (
        (tickets.c.created_at.desc(), tickets.c.id.desc())
        if descending
        else (tickets.c.created_at, tickets.c.id)
    )
    return statement.order_by(*order).limit(limit)


def count_statement(
    tenant_id: str, conditions: Sequence[ColumnElement[bool]], cap: int
) -> Select[Any]:
    """The number of matches, counting no further than ``cap``."""
    matches = (
        select(literal(1)).where(*_base(tenant_id), *conditions).limit(cap).subquery()
    )
    return select(func.count()).select_from(matches)


async def explain(
    conn: AsyncConnection, statement: Select[Any], options: str = "FORMAT JSON"
) -> Any:
    """``EXPLAIN (options)`` of a statement, with its parameters bound by asyncpg."""
    compiled = statement.compile(
        dialect=conn.dialect, compile_kwargs={"render_postcompile": True}
    )
    params = [compiled.params[name] for name in compiled.positiontup or ()]
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    rows = await driver.fetch(f"EXPLAIN ({options}) {compiled}", *params)
    return [row[0] for row in rows]


class TicketQueries:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def page(
        self,
        tenant_id: str,
        conditions: Sequence[ColumnElement[bool]],
        *,
        descending: bool,
        after: Key | None,
        limit: int,
    ) -> list[Ticket]:
        statement = page_statement(
            tenant_id, conditions, descending=descending, after=after, limit=limit
        )
        rows = (await self._conn.execute(statement)).all()
        assignees = await TicketRepository(self._conn).assignees(r.id for r in rows)
        return [ticket_from_row(r, assignees[r.id]) for r in rows]

    async def count_up_to(
        self, tenant_id: str, conditions: Sequence[ColumnElement[bool]], cap: int
    ) -> int:
        statement = count_statement(tenant_id, conditions, cap)
        return int((await self._conn.execute(statement)).scalar_one())

    async def estimate(
        self, tenant_id: str, conditions: Sequence[ColumnElement[bool]]
    ) -> int:
        """The planner's estimate of the number of matches (no rows are read)."""
        statement = select(tickets.c.id).where(*_base(tenant_id), *conditions)
        (plan,) = await explain(self._conn, statement)
        # SQLAlchemy's asyncpg connections decode json; a bare one would not.
        document = orjson.loads(plan) if isinstance(plan, str) else plan
        return int(document[0]["Plan"]["Plan Rows"])


def _base(tenant_id: str) -> list[ColumnElement[bool]]:
    return [tickets.c.tenant_id == tenant_id, tickets.c.deleted_at.is_(None)]
