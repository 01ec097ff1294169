"""Posting a comment in one statement: the comment, its audit entry, its events.

Run outside an explicit transaction, the statement is still atomic, and a post
costs one round trip to the database instead of five (begin, three inserts,
commit): on a busy machine each round trip waits for a turn on the CPU. A
comment id already taken inserts nothing at all, so a redelivery is harmless.
"""

import re
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

_NAMED = """
    WITH added AS (
        INSERT INTO ticket_comments (id, tenant_id, ticket_id, author_id,
            author_kind, body, internal, mentions, channel, created_at)
        VALUES (CAST(:id AS uuid), :tenant_id, CAST(:ticket_id AS uuid), :author_id,
            :author_kind, :body, CAST(:internal AS boolean),
            CAST(:mentions AS text[]), :channel, CAST(:created_at AS timestamptz))
        ON CONFLICT (id) DO NOTHING
        RETURNING id
    ), audited AS (
        INSERT INTO audit_log (tenant_id, ticket_id, at, actor_id, actor_kind,
            action, changes, internal)
        SELECT :tenant_id, CAST(:ticket_id AS uuid), CAST(:created_at AS timestamptz),
            :actor_id, :actor_kind, :action, CAST(:changes AS jsonb),
            CAST(:internal AS boolean)
        FROM added
    ), announced AS (
        INSERT INTO outbox (event_id, event_type, exchange, routing_key, body, headers)
        SELECT event_id, event_type, exchange, routing_key, body, CAST(headers AS jsonb)
        FROM added, unnest(
            CAST(:e_ids AS uuid[]), CAST(:e_types AS text[]),
            CAST(:e_exchanges AS text[]), CAST(:e_keys AS text[]),
            CAST(:e_bodies AS text[]), CAST(:e_headers AS text[])
        ) AS e(event_id, event_type, exchange, routing_key, body, headers)
    )
    SELECT count(*) FROM added
    """
# Bound by asyncpg itself, as numbering.py does, for the same reason.
_ORDER = list(dict.fromkeys(re.findall(r"(?<!:):([a-z_]+)\b", _NAMED)))
_STATEMENT = re.sub(
    r"(?<!:):([a-z_]+)\b", lambda m: f"${_ORDER.index(m[1]) + 1}", _NAMED
)


async def insert_recorded_comment(
    conn: AsyncConnection,
    comment: dict[str, Any],
    audit: dict[str, Any],
    events: list[dict[str, Any]],
) -> bool:
    """Insert the comment with its audit entry and outbox rows; False (and nothing
    written) if its id was taken."""
    params = {
        **comment,
        "actor_id": audit["actor_id"],
        "actor_kind": audit["actor_kind"],
        "action": audit["action"],
        "changes": orjson.dumps(audit["changes"]).decode(),
        "e_ids": [e["event_id"] for e in events],
        "e_types": [e["event_type"] for e in events],
        "e_exchanges": [e["exchange"] for e in events],
        "e_keys": [e["routing_key"] for e in events],
        "e_bodies": [e["body"] for e in events],
        "e_headers": [orjson.dumps(e["headers"]).decode() for e in events],
    }
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    added = await driver.fetchval(_STATEMENT, *(params[name] for name in _ORDER))
    return bool(added)
