"""Opening a ticket in one statement: number, ticket, assignees, audit, events.

The reference number comes from a counter row whose lock serialises the tenant's
creates. Written as one statement and run outside an explicit transaction, the
lock is held only while PostgreSQL executes it, not across round trips to the
client, so a busy tenant's creates do not queue behind each other's latency. The
reference is unknown until the statement runs, so the audit entry and the event
bodies carry a placeholder that the statement replaces.
"""

import re
from typing import Any

import asyncpg
import orjson
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from desk_tickets.adapters.tables import assignee_key, tickets
from desk_tickets.domain.errors import NotFound
from desk_tickets.domain.model import REFERENCE_PREFIX

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
TICKET_COLUMNS = [
    c.name
    for c in tickets.c
    if c.name not in ("reference", "deleted_at", "search_document", "assignee_keys")
]


def _cast(name: str) -> str:
    sql_type = tickets.c[name].type.compile(dialect=_DIALECT)
    return f"CAST(:t_{name} AS {sql_type})"


_NAMED = f"""
    WITH number AS (
        INSERT INTO reference_counters AS c (tenant_id, year, last_number)
        VALUES (:t_tenant_id, :year, 1)
        ON CONFLICT (tenant_id, year) DO UPDATE SET last_number = c.last_number + 1
        RETURNING last_number
    ), new_ticket AS (
        INSERT INTO tickets ({", ".join(TICKET_COLUMNS)}, reference, assignee_keys)
        SELECT {", ".join(_cast(c) for c in TICKET_COLUMNS)},
            :prefix || CASE WHEN last_number < 10000
                THEN lpad(last_number::text, 4, '0') ELSE last_number::text END,
            CAST(:a_keys AS text[])
        FROM number
        RETURNING reference
    ), assigned AS (
        INSERT INTO ticket_assignees (ticket_id, kind, assignee_id, is_primary)
        SELECT CAST(:t_id AS uuid), kind, who, main
        FROM unnest(CAST(:a_kinds AS text[]), CAST(:a_ids AS text[]),
                    CAST(:a_primary AS boolean[])) AS a(kind, who, main)
    ), audited AS (
        INSERT INTO audit_log
            (tenant_id, ticket_id, at, actor_id, actor_kind, action, changes)
        SELECT :t_tenant_id, CAST(:t_id AS uuid), CAST(:t_created_at AS timestamptz),
            :actor_id, :actor_kind, 'created',
            CAST(replace(:changes, :placeholder, reference) AS jsonb)
        FROM new_ticket
    ), announced AS (
        INSERT INTO outbox (event_id, event_type, exchange, routing_key, body, headers)
        SELECT event_id, event_type, exchange, routing_key,
            replace(body, :placeholder, reference), CAST(headers AS jsonb)
        FROM new_ticket, unnest(
            CAST(:e_ids AS uuid[]), CAST(:e_types AS text[]),
            CAST(:e_exchanges AS text[]), CAST(:e_keys AS text[]),
            CAST(:e_bodies AS text[]), CAST(:e_headers AS text[])
        ) AS e(event_id, event_type, exchange, routing_key, body, headers)
    )
    SELECT reference FROM new_ticket
    """
# Bound by asyncpg itself: on the busiest path SQLAlchemy's statement handling
# cost more than the database work. Named parameters become $1, $2, ...
_ORDER = list(dict.fromkeys(re.findall(r"(?<!:):([a-z_]+)\b", _NAMED)))
_STATEMENT = re.sub(
    r"(?<!:):([a-z_]+)\b", lambda m: f"${_ORDER.index(m[1]) + 1}", _NAMED
)


async def insert_numbered_ticket(
    conn: AsyncConnection,
    *,
    year: int,
    placeholder: str,
    ticket: dict[str, Any],
    assignees: list[dict[str, Any]],
    actor: tuple[str, str],
    changes_json: str,
    events: list[dict[str, Any]],
) -> str:
    """Write everything a new ticket needs in one statement; returns its reference."""
    params: dict[str, Any] = {f"t_{name}": ticket[name] for name in TICKET_COLUMNS}
    params |= {
        "year": year,
        "prefix": f"{REFERENCE_PREFIX}-{year}-",
        "placeholder": placeholder,
        "a_kinds": [a["kind"] for a in assignees],
        "a_ids": [a["assignee_id"] for a in assignees],
        "a_primary": [a["is_primary"] for a in assignees],
        "a_keys": [assignee_key(a["kind"], a["assignee_id"]) for a in assignees],
        "actor_id": actor[0],
        "actor_kind": actor[1],
        "changes": changes_json,
        "e_ids": [e["event_id"] for e in events],
        "e_types": [e["event_type"] for e in events],
        "e_exchanges": [e["exchange"] for e in events],
        "e_keys": [e["routing_key"] for e in events],
        "e_bodies": [e["body"] for e in events],
        "e_headers": [orjson.dumps(e["headers"]).decode() for e in events],
    }
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    try:
        reference = await driver.fetchval(
            _STATEMENT, *(params[name] for name in _ORDER)
        )
    except asyncpg.ForeignKeyViolationError as exc:
        # The tenant is checked by its foreign key rather than by a read first.
        if exc.constraint_name == "fk_tickets_tenant_id_tenants":
            raise NotFound("tenant", ticket["tenant_id"]) from exc
        raise
    return str(reference)
