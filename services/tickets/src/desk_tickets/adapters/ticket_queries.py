"""The Requests list's queries: conditions, keyset pages, and capped counts.

Every condition is on ``tickets`` (or correlated to it), so the planner can pick
between walking the creation-order index and collecting matches from the GIN
indexes; ``docs/triage.md`` shows the plans it picks.
"""

import re
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    cast,
    func,
    or_,
    select,
    text,
    tuple_,
    union,
)
from sqlalchemy.dialects.postgresql import ARRAY
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
    UNASSIGNED,
    assignee_key,
    ticket_comments,
    tickets,
)
from desk_tickets.domain.model import Ticket

Key = tuple[datetime, uuid.UUID]
_WORD = re.compile(r"(\w+)(\*?)", re.UNICODE)
MAX_WORDS = 8
REFERENCE = re.compile(r"[A-Za-z]+-\d{4}-\d{4,}")
MIN_FRAGMENT = 3  # shorter text has no trigram to look up


def prefix_query(text: str) -> str | None:
    """A ``to_tsquery`` text matching every word of ``text``: whole words, but the
    last one (still being typed) and any written with a trailing ``*`` as prefixes.

    A prefix of a common word collects every lexeme it starts in the GIN index
    before the rarer words can narrow the match, so only the words that need it
    are prefixes (docs/triage.md).
    """
    words = _WORD.findall(text.lower())[:MAX_WORDS]
    last = len(words) - 1
    terms = [
        f"{word}:*" if star or index == last else word
        for index, (word, star) in enumerate(words)
    ]
    return " & ".join(terms) or None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def text_matches(tenant_id: str, text: str) -> list[ColumnElement[bool]]:
    """Conditions on ``tickets``, any of which finds a ticket for ``text``: its words
    (as prefixes) in the subject and description, or in a public comment; or the
    text inside the reference or subject. None when ``text`` has nothing to find.

    The ticket's own fields are one condition, which the planner can serve either
    by walking the newest tickets and testing the stored document, or from the
    GIN indexes; the comments are the other, as their own branch of the query.
    """
    t, c = tickets, ticket_comments
    if REFERENCE.fullmatch(text.strip()):
        # A whole reference names one ticket: its unique index, nothing else.
        return [t.c.reference == text.strip().upper()]
    own: list[ColumnElement[bool]] = []
    found: list[ColumnElement[bool]] = []
    query = prefix_query(text)
    if query is not None:
        tsquery = func.to_tsquery(SIMPLE, query)
        own.append(TICKET_DOCUMENT.op("@@")(tsquery))
        commented = select(c.c.ticket_id).where(
            c.c.tenant_id == tenant_id,
            ~c.c.internal,
            c.c.deleted_at.is_(None),
            COMMENT_DOCUMENT.op("@@")(tsquery),
        )
        found.append(t.c.id.in_(commented))
    fragment = text.strip()
    if len(fragment) >= MIN_FRAGMENT and not any(c.isspace() for c in fragment):
        # One token: it may be part of a reference or a word. Several words are
        # found by their words; their trigrams would only slow the search down.
        like = _like(fragment)
        own += [t.c.reference.ilike(like), t.c.subject.ilike(like)]
    if own:
        found.insert(0, or_(*own))
    return found


def assigned_to(user_id: str, team_ids: Iterable[str]) -> ColumnElement[bool]:
    """Assigned to the user or to one of the teams (ids given, so that the GIN
    index on the ticket's assignee keys is searched for exactly these)."""
    keys = [assignee_key("user", user_id)]
    keys += [assignee_key("team", team) for team in sorted(team_ids)]
    return tickets.c.assignee_keys.op("&&")(cast(keys, ARRAY(Text)))


def unassigned() -> ColumnElement[bool]:
    return UNASSIGNED


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


def matches_statement(
    tenant_id: str,
    conditions: Sequence[ColumnElement[bool]],
    any_of: Sequence[ColumnElement[bool]] = (),
) -> Select[Any]:
    """Ids of the matches: every condition, and any one of ``any_of``."""
    if not any_of:
        return select(tickets.c.id).where(*_base(tenant_id), *conditions)
    branches = [
        select(tickets.c.id).where(*_base(tenant_id), *conditions, alternative)
        for alternative in any_of
    ]
    return select(union(*branches).subquery().c[0])


def count_statement(
    tenant_id: str,
    conditions: Sequence[ColumnElement[bool]],
    cap: int,
    any_of: Sequence[ColumnElement[bool]] = (),
) -> Select[Any]:
    """The number of matches, counting no further than ``cap``."""
    matches = matches_statement(tenant_id, conditions, any_of).limit(cap).subquery()
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

    async def without_jit(self) -> None:
        """Turn JIT compilation off for this transaction: on a large tenant the
        planner's costs pass ``jit_above_cost`` and compiling takes longer than
        the few milliseconds these queries run."""
        await self._conn.execute(text("SET LOCAL jit = off"))

    async def page(
        self,
        tenant_id: str,
        conditions: Sequence[ColumnElement[bool]],
        *,
        descending: bool,
        after: Key | None,
        limit: int,
        any_of: Sequence[ColumnElement[bool]] = (),
    ) -> list[Ticket]:
        """A page of the tickets meeting every condition and, if given, any one of
        ``any_of``: one ordered branch per alternative, merged here."""
        rows: dict[uuid.UUID, Any] = {}
        branches: list[list[ColumnElement[bool]]] = [[a] for a in any_of] or [[]]
        for extra in branches:
            statement = page_statement(
                tenant_id,
                [*conditions, *extra],
                descending=descending,
                after=after,
                limit=limit,
            )
            rows |= {r.id: r for r in (await self._conn.execute(statement)).all()}
        ordered = sorted(
            rows.values(), key=lambda r: (r.created_at, r.id), reverse=descending
        )[:limit]
        return await self._tickets(ordered)

    async def _tickets(self, rows: list[Any]) -> list[Ticket]:
        assignees = await TicketRepository(self._conn).assignees(r.id for r in rows)
        return [ticket_from_row(r, assignees[r.id]) for r in rows]

    async def count_up_to(
        self,
        tenant_id: str,
        conditions: Sequence[ColumnElement[bool]],
        cap: int,
        any_of: Sequence[ColumnElement[bool]] = (),
    ) -> int:
        statement = count_statement(tenant_id, conditions, cap, any_of)
        return int((await self._conn.execute(statement)).scalar_one())

    async def estimate(
        self,
        tenant_id: str,
        conditions: Sequence[ColumnElement[bool]],
        any_of: Sequence[ColumnElement[bool]] = (),
    ) -> int:
        """The planner's estimate of the number of matches (no rows are read)."""
        statement = matches_statement(tenant_id, conditions, any_of)
        (plan,) = await explain(self._conn, statement)
        # SQLAlchemy's asyncpg connections decode json; a bare one would not.
        document = orjson.loads(plan) if isinstance(plan, str) else plan
        return int(document[0]["Plan"]["Plan Rows"])


def _base(tenant_id: str) -> list[ColumnElement[bool]]:
    return [tickets.c.tenant_id == tenant_id, tickets.c.deleted_at.is_(None)]
