"""Benchmark: the Requests list and directory type-to-search at a million tickets.

    uv run python bench/triage.py [--tickets 1000000] [--tenants 10]
        [--comments 0.5] [--customers 100000] [--rounds 40] [--reload] [--explain]

Loading. Into its own database (``desk_tickets_bench``, migrated like the real
one), straight in PostgreSQL, one ``INSERT ... SELECT`` over ``generate_series``
per tenant and table: tenants, 200 users each, 10 teams of 20 members, 10 topics;
``--tickets`` tickets spread evenly over ``--tenants`` tenants and two years, with
subjects and descriptions drawn from a 2,000-word vocabulary (a few words very
common, most rare), statuses, priorities, tags, topics, assignees (60% a user,
20% a team, 20% nobody; 30% one more user) and ``--comments`` comments per ticket
(a fifth internal); ``--customers`` customers in the first tenant's directory.
The secondary indexes are dropped first and built after the load (faster than
maintaining them row by row), then ``VACUUM ANALYZE``. A loaded database is
reused unless ``--reload``.

Measuring. A tickets service and a gateway are started on free ports against that
database (one worker each). One client (httpx, one connection) then sends, after
a warm-up round, ``--rounds`` rounds of: list pages with each filter (status,
priority, topic, tag, assigned to me, unassigned, oldest first, a second page),
searches (common, rare and two words, a prefix, a mid-word fragment, a reference
and part of one, search with a filter) and directory searches (prefixes and typos
over the customers), as operator ``u0`` of a random tenant. Each page carries its
``total``. Latency is client-side, through the gateway, one request at a time.

``--explain`` also prints ``EXPLAIN (ANALYZE, BUFFERS)`` of the statements behind
representative requests (the ones docs/triage.md shows).
"""

import argparse
import asyncio
import importlib.util
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from desk_gateway.auth import mint_token
from desk_infra.db import asyncpg_dsn
from desk_infra.settings import JwtSettings
from desk_tickets.adapters import tables
from desk_tickets.config import TicketsSettings
from desk_tickets.entrypoints.main import migrate
from helpdesk_contracts.vocabulary import ActorKind
from pydantic import SecretStr
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DATABASE = "desk_tickets_bench"
SECRET = "bench-triage-secret-not-for-production-0123456789"  # noqa: S105 (bench only)
TARGETS = {"list_p95_ms": 30.0, "search_p95_ms": 100.0, "directory_p95_ms": 20.0}
USERS, TEAMS, TOPICS = 200, 10, 10

_spec = importlib.util.spec_from_file_location(
    "create_tickets", HERE / "create_tickets.py"
)
assert _spec is not None
assert _spec.loader is not None
create_tickets = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(create_tickets)

COMMON = [
    "heating",
    "boiler",
    "leak",
    "water",
    "radiator",
    "window",
    "door",
    "lock",
    "key",
    "light",
    "power",
    "socket",
    "broken",
    "noise",
    "smell",
    "damp",
    "mould",
    "roof",
    "gutter",
    "drain",
    "toilet",
    "sink",
    "shower",
    "tap",
    "pipe",
    "floor",
    "stairs",
    "lift",
    "parking",
    "bin",
    "rubbish",
    "garden",
    "fence",
    "gate",
    "alarm",
    "smoke",
    "fire",
    "intercom",
    "internet",
    "cable",
    "meter",
    "bill",
    "payment",
    "refund",
    "deposit",
    "rent",
    "lease",
    "contract",
    "cleaning",
    "paint",
    "wall",
    "ceiling",
    "crack",
    "pest",
    "mice",
    "insects",
    "neighbour",
    "complaint",
    "urgent",
    "again",
    "still",
    "since",
    "monday",
    "tuesday",
    "weekend",
    "flat",
    "house",
    "block",
    "building",
    "entrance",
]
TAGS = [f"tag{n}" for n in range(30)] + ["vip", "follow-up", "warranty", "insurance"]
FIRST = [
    "john",
    "jane",
    "peter",
    "mary",
    "paul",
    "anna",
    "mark",
    "lucy",
    "david",
    "emma",
    "james",
    "olivia",
    "robert",
    "sophie",
    "michael",
    "grace",
    "thomas",
    "chloe",
    "daniel",
    "ella",
    "george",
    "lily",
    "henry",
    "amelia",
    "oscar",
    "ruby",
]
LAST = [
    "smith",
    "jones",
    "taylor",
    "brown",
    "williams",
    "wilson",
    "johnson",
    "davies",
    "robinson",
    "wright",
    "thompson",
    "evans",
    "walker",
    "white",
    "roberts",
    "green",
    "hall",
    "wood",
    "jackson",
    "clarke",
    "patel",
    "khan",
    "lewis",
    "harris",
    "martin",
    "cooper",
    "king",
    "lee",
    "turner",
    "hill",
    "moore",
    "ward",
]


def vocabulary() -> list[str]:
    """2,000 words: real ones first (the most frequent), then made-up ones."""
    pick = random.Random(7)
    syllables = ["ka", "lo", "mi", "ren", "sta", "vo", "qui", "ber", "tan", "dex"]
    words = list(COMMON)
    while len(words) < 2000:
        word = "".join(pick.choice(syllables) for _ in range(pick.randint(2, 4)))
        if word not in words:
            words.append(word)
    return words


@dataclass(frozen=True)
class Options:
    tickets: int
    tenants: int
    comments: float
    customers: int
    rounds: int
    reload: bool
    explain: bool


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--comments", type=float, default=0.5, help="per ticket")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args(argv)
    return Options(
        tickets=args.tickets,
        tenants=args.tenants,
        comments=args.comments,
        customers=args.customers,
        rounds=args.rounds,
        reload=args.reload,
        explain=args.explain,
    )


# --- loading ------------------------------------------------------------------------

_WORD = "($1::text[])[1 + floor(pow(random(), 2) * 2000)::int]"

# Texts are drawn from a pool of 10,000 short and 10,000 long word runs (each word
# picked with probability falling with its rank), so that a ticket costs joins,
# not a dozen random words each.
POOL = f"""
INSERT INTO bench_pool (n, short, long)
SELECT n,
    (SELECT string_agg({_WORD}, ' ') FROM generate_series(1, 3 + n % 4) AS w(k)),
    (SELECT string_agg({_WORD}, ' ') FROM generate_series(1, 6 + n % 9) AS w(k))
FROM generate_series(0, 9999) AS g(n)
"""

TICKETS = f"""
INSERT INTO tickets (id, tenant_id, reference, subject, description, status,
    priority, channel, topic_id, requester_id, created_by_id, created_by_kind,
    tags, created_at, updated_at, version)
SELECT gen_random_uuid(), $1::text, 'SR-2026-' || CASE WHEN i < 10000
        THEN lpad(i::text, 4, '0') ELSE i::text END,
    s.short, d1.long || ' ' || d2.long,
    (ARRAY['open', 'open', 'open', 'open', 'in_progress', 'in_progress',
           'in_progress', 'pending', 'pending', 'resolved', 'resolved', 'resolved',
           'resolved', 'resolved', 'closed', 'closed', 'closed', 'closed', 'closed',
           'closed'])[1 + floor(random() * 20)::int],
    (ARRAY['low', 'low', 'low', 'low', 'low', 'low', 'medium', 'medium', 'medium',
           'medium', 'medium', 'medium', 'medium', 'medium', 'medium', 'high',
           'high', 'high', 'high', 'urgent'])[1 + floor(random() * 20)::int],
    'portal', md5($1::text || '-topic-' || (i % {TOPICS}))::uuid,
    'r' || (i % 5000), 'r' || (i % 5000), 'requester',
    CASE WHEN random() < 0.3
        THEN ARRAY[($2::text[])[1 + floor(random() * array_length($2::text[], 1))::int]]
        ELSE '{{}}' END,
    r.t, r.t, 1
FROM generate_series(1, $3::int) AS g(i)
CROSS JOIN LATERAL (SELECT
    timestamptz '2024-12-01' + (i::float8 / $3) * interval '730 days'
        + random() * interval '1 hour' AS t,
    floor(random() * 10000)::int AS a, floor(random() * 10000)::int AS b,
    floor(random() * 10000)::int AS c WHERE i > 0) AS r
JOIN bench_pool s ON s.n = r.a
JOIN bench_pool d1 ON d1.n = r.b
JOIN bench_pool d2 ON d2.n = r.c
"""

ASSIGNEES = f"""
INSERT INTO ticket_assignees (ticket_id, kind, assignee_id, is_primary, added_at)
SELECT id, kind, who, main, created_at FROM (
    SELECT id, created_at, abs(hashtext(id::text)) AS h FROM tickets
    WHERE tenant_id = $1::text) AS t,
LATERAL (VALUES
    (CASE WHEN h % 10 < 6 THEN 'user' WHEN h % 10 < 8 THEN 'team' END,
     CASE WHEN h % 10 < 6 THEN 'u' || (h % {USERS})
          ELSE md5($1::text || '-team-' || ((h / 100) % {TEAMS}))::uuid::text END,
     true),
    (CASE WHEN (h / 10) % 10 < 3 AND h % 10 < 8 THEN 'user' END,
     'u' || ((h + 1) % {USERS}), false)
) AS a(kind, who, main)
WHERE kind IS NOT NULL
"""

# The copy on the ticket row that the list's assignee filters read (migration 0007).
ASSIGNEE_KEYS = """
UPDATE tickets AS t SET assignee_keys = a.keys
FROM (
    SELECT ticket_id, array_agg(kind || ':' || assignee_id) AS keys
    FROM ticket_assignees JOIN tickets ON tickets.id = ticket_id
    WHERE tickets.tenant_id = $1::text GROUP BY ticket_id
) AS a
WHERE a.ticket_id = t.id
"""

COMMENTS = """
INSERT INTO ticket_comments (id, tenant_id, ticket_id, author_id, author_kind, body,
    internal, created_at)
SELECT gen_random_uuid(), $1::text, t.id, 'u1', 'operator', p.long,
    random() < 0.2, t.created_at + interval '1 hour'
FROM tickets AS t
CROSS JOIN LATERAL (SELECT floor(random() * 10000)::int AS a
    WHERE t.id IS NOT NULL) AS r
JOIN bench_pool p ON p.n = r.a
WHERE t.tenant_id = $1::text AND random() < $2
"""


def secondary_indexes() -> list[Any]:
    """The indexes the load drops and builds again (keys and uniques stay)."""
    owned = (tables.tickets, tables.ticket_comments, tables.directory)
    return [i for table in owned for i in table.indexes if not i.unique]


async def load(conn: asyncpg.Connection, options: Options) -> dict[str, float]:
    timings: dict[str, float] = {}
    words = vocabulary()
    tenants = [f"triage-{n}" for n in range(options.tenants)]
    for index in secondary_indexes():
        await conn.execute(f"DROP INDEX IF EXISTS {index.name}")
    began = time.monotonic()
    await conn.execute(
        "DROP TABLE IF EXISTS bench_pool; CREATE UNLOGGED TABLE bench_pool "
        "(n int PRIMARY KEY, short text NOT NULL, long text NOT NULL)"
    )
    await conn.execute(POOL, words)
    await conn.execute("ANALYZE bench_pool")
    await _people(conn, tenants, options.customers)
    timings["people_s"] = time.monotonic() - began
    per_tenant = options.tickets // options.tenants
    for name, statement, args in (
        ("tickets_s", TICKETS, lambda t: (t, TAGS, per_tenant)),
        ("assignees_s", ASSIGNEES, lambda t: (t,)),
        ("assignee_keys_s", ASSIGNEE_KEYS, lambda t: (t,)),
        ("comments_s", COMMENTS, lambda t: (t, options.comments)),
    ):
        began = time.monotonic()
        for tenant in tenants:
            await conn.execute(statement, *args(tenant))
        timings[name] = time.monotonic() - began
        print(f"  {name[:-2]}: {timings[name]:.1f} s", flush=True)
    # Copying the assignees onto the tickets rewrote most rows: compact the table
    # so that runs compare with loads that wrote each row once.
    began = time.monotonic()
    await conn.execute("VACUUM FULL tickets")
    timings["compact_s"] = time.monotonic() - began
    began = time.monotonic()
    await conn.execute("SET maintenance_work_mem = '1GB'")
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]  # untyped in SA
    for index in secondary_indexes():
        ddl = str(CreateIndex(index).compile(dialect=dialect))
        await conn.execute(ddl)
    timings["indexes_s"] = time.monotonic() - began
    await conn.execute("DROP TABLE bench_pool")
    print(f"  indexes: {timings['indexes_s']:.1f} s", flush=True)
    began = time.monotonic()
    await conn.execute("VACUUM (ANALYZE)")
    timings["vacuum_analyze_s"] = time.monotonic() - began
    return timings


async def _people(conn: asyncpg.Connection, tenants: list[str], customers: int) -> None:
    await conn.execute(
        "INSERT INTO tenants (id, name, modules) SELECT t, t, '{support}' "
        "FROM unnest($1::text[]) AS t",
        tenants,
    )
    await conn.execute(
        "INSERT INTO directory_entries (tenant_id, kind, id, name) "
        "SELECT t, 'users', 'u' || i, 'User ' || i "
        f"FROM unnest($1::text[]) AS t, generate_series(0, {USERS - 1}) AS i",
        tenants,
    )
    await conn.execute(
        "INSERT INTO teams (id, tenant_id, name) "
        "SELECT md5(t || '-team-' || k)::uuid, t, 'Team ' || k "
        f"FROM unnest($1::text[]) AS t, generate_series(0, {TEAMS - 1}) AS k",
        tenants,
    )
    await conn.execute(
        "INSERT INTO team_members (tenant_id, team_id, user_id) "
        "SELECT t, md5(t || '-team-' || (i / 20))::uuid, 'u' || i "
        f"FROM unnest($1::text[]) AS t, generate_series(0, {USERS - 1}) AS i",
        tenants,
    )
    await conn.execute(
        "INSERT INTO topics (id, tenant_id, name) "
        "SELECT md5(t || '-topic-' || k)::uuid, t, 'Topic ' || k "
        f"FROM unnest($1::text[]) AS t, generate_series(0, {TOPICS - 1}) AS k",
        tenants,
    )
    await conn.execute(
        "INSERT INTO directory_entries (tenant_id, kind, id, name) "
        "SELECT $1, 'customers', 'c' || i, initcap(($2::text[])[1 + i % 26] || ' ' "
        "|| ($3::text[])[1 + (i / 26) % 31]) || ' ' || (i / 806) "
        "FROM generate_series(0, $4::int - 1) AS i",
        tenants[0],
        FIRST,
        LAST,
        customers,
    )


async def prepare(options: Options, settings: TicketsSettings) -> dict[str, Any]:
    await migrate(settings)
    conn = await asyncpg.connect(asyncpg_dsn(settings, DATABASE))
    try:
        loaded = await conn.fetchval("SELECT count(*) FROM tickets")
        if loaded and not options.reload:
            print(f"reusing {loaded} tickets in {DATABASE} (--reload to redo)")
            # A migration may have rewritten a table: statistics, visibility map.
            await conn.execute("VACUUM (ANALYZE)")
            return {"reused": True}
        await conn.execute(
            "TRUNCATE tenants, directory_entries, teams, team_members, topics, "
            "tickets, ticket_assignees, ticket_comments, audit_log, "
            "reference_counters CASCADE"
        )
        print(f"loading {options.tickets} tickets into {DATABASE} ...", flush=True)
        began = time.monotonic()
        timings = await load(conn, options)
        timings["total_s"] = time.monotonic() - began
        sizes = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM tickets) AS tickets, "
            "(SELECT count(*) FROM ticket_comments) AS comments, "
            "(SELECT count(*) FROM ticket_assignees) AS assignees, "
            "pg_size_pretty(pg_database_size(current_database())) AS size"
        )
        return {"reused": False, "timings": timings, **dict(sizes)}
    finally:
        await conn.close()


# --- the desk -----------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(env: dict[str, str], command: str, url: str, log: Path) -> Any:
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name(command))],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{command} exited with {process.returncode}; see {log}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    process.terminate()
    raise RuntimeError(f"{command} was not ready in 90 s; see {log}")


# --- measuring ----------------------------------------------------------------------


def cases(options: Options, words: list[str], pick: random.Random) -> list[Any]:
    """(kind, name, path, params) of one round."""
    tenant = f"triage-{pick.randrange(options.tenants)}"
    per_tenant = options.tickets // options.tenants
    number = pick.randint(1, per_tenant)
    reference = f"SR-2026-{number:04d}"
    topic = _md5_uuid(f"{tenant}-topic-{pick.randrange(TOPICS)}")
    common = pick.choice(words[:20])
    middling = pick.choice(words[100:300])
    rare = pick.choice(words[1500:])
    tickets = "/v1/tickets"
    return [
        (tenant, "list", "newest", tickets, {}),
        (tenant, "list", "status", tickets, {"status": "open"}),
        (
            tenant,
            "list",
            "status+priority",
            tickets,
            {"status": ["open", "in_progress"], "priority": "urgent"},
        ),
        (tenant, "list", "topic", tickets, {"topic_id": topic}),
        (tenant, "list", "tag", tickets, {"tag": pick.choice(TAGS)}),
        (tenant, "list", "assigned_to_me", tickets, {"assigned_to_me": "true"}),
        (
            tenant,
            "list",
            "unassigned",
            tickets,
            {"unassigned": "true", "status": "open"},
        ),
        (tenant, "list", "oldest", tickets, {"sort": "created_at"}),
        (tenant, "list", "page 2", tickets, {"status": "open", "cursor": "NEXT"}),
        (tenant, "search", "common word", tickets, {"q": common}),
        (tenant, "search", "middling word", tickets, {"q": middling}),
        (tenant, "search", "rare word", tickets, {"q": rare}),
        (tenant, "search", "two words", tickets, {"q": f"{common} {middling}"}),
        (tenant, "search", "prefix", tickets, {"q": middling[:4]}),
        (tenant, "search", "fragment", tickets, {"q": middling[1:5]}),
        (tenant, "search", "reference", tickets, {"q": reference}),
        (tenant, "search", "part of reference", tickets, {"q": reference[-5:]}),
        (tenant, "search", "word+status", tickets, {"q": middling, "status": "open"}),
        (
            "triage-0",
            "directory",
            "prefix",
            "/v1/directory/customers",
            {"q": pick.choice(FIRST)[: pick.randint(1, 4)]},
        ),
        (
            "triage-0",
            "directory",
            "full name",
            "/v1/directory/customers",
            {"q": f"{pick.choice(FIRST)} {pick.choice(LAST)}"},
        ),
        (
            "triage-0",
            "directory",
            "typo",
            "/v1/directory/customers",
            {"q": _typo(pick.choice(LAST), pick)},
        ),
    ]


def _typo(word: str, pick: random.Random) -> str:
    at = pick.randrange(1, len(word) - 1)
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def _md5_uuid(text: str) -> str:
    import hashlib
    import uuid

    return str(uuid.UUID(hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()))


def measure(gateway: str, options: Options) -> dict[str, Any]:
    jwt = JwtSettings(secret=SecretStr(SECRET))
    tokens = {
        f"triage-{n}": mint_token(
            jwt,
            tenant_id=f"triage-{n}",
            user_id="u0",
            kind=ActorKind.OPERATOR,
            permissions=["support:request:update:all"],
        )
        for n in range(options.tenants)
    }
    words = vocabulary()
    pick = random.Random(11)
    timings: dict[tuple[str, str], list[float]] = {}
    totals: dict[tuple[str, str], list[int]] = {}
    errors: list[str] = []
    with httpx.Client(base_url=gateway, timeout=30) as client:
        for round_number in range(options.rounds + 1):
            cursors: dict[str, str | None] = {}
            for tenant, kind, name, path, params in cases(options, words, pick):
                headers = {"authorization": f"Bearer {tokens[tenant]}"}
                if params.get("cursor") == "NEXT":
                    if not cursors.get(tenant):
                        continue
                    params = {**params, "cursor": cursors[tenant]}
                began = time.perf_counter()
                answer = client.get(path, params=params, headers=headers)
                elapsed = (time.perf_counter() - began) * 1000
                if answer.status_code != 200:
                    errors.append(
                        f"{kind} {name}: {answer.status_code} {answer.text[:200]}"
                    )
                    continue
                body = answer.json()
                if name == "status" and isinstance(body, dict):
                    cursors[tenant] = body.get("next_cursor")
                if round_number == 0:
                    continue  # warm-up
                timings.setdefault((kind, name), []).append(elapsed)
                if isinstance(body, dict):
                    totals.setdefault((kind, name), []).append(body["total"])
    return {"timings": timings, "totals": totals, "errors": errors}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summarise(measured: dict[str, Any]) -> dict[str, Any]:
    by_kind: dict[str, list[float]] = {}
    cases_out = {}
    for (kind, name), values in measured["timings"].items():
        by_kind.setdefault(kind, []).extend(values)
        totals = measured["totals"].get((kind, name), [])
        cases_out[f"{kind}: {name}"] = {
            "n": len(values),
            "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 95), 1),
            "median_total": round(statistics.median(totals)) if totals else None,
        }
    kinds = {
        kind: {
            "n": len(values),
            "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 95), 1),
            "max_ms": round(max(values), 1),
        }
        for kind, values in by_kind.items()
    }
    return {"kinds": kinds, "cases": cases_out, "errors": measured["errors"][:10]}


# --- plans --------------------------------------------------------------------------


async def plans(settings: TicketsSettings, options: Options) -> str:
    """EXPLAIN ANALYZE of the statements behind representative requests."""
    from desk_tickets.adapters import ticket_queries as q
    from desk_tickets.domain.access import Actor
    from desk_tickets.service_layer.ticket_list import TicketFilters, list_conditions
    from helpdesk_contracts.api.tickets import (
        SEARCH_TOTAL_EXACT_UP_TO,
        TOTAL_EXACT_UP_TO,
    )
    from helpdesk_contracts.vocabulary import TicketStatus
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(settings.database_url(DATABASE))
    actor = Actor(
        "triage-3",
        "u0",
        ActorKind.OPERATOR,
        frozenset({"support:request:update:all"}),
        frozenset({_md5_uuid("triage-3-team-0")}),
    )
    words = vocabulary()
    shown = {
        "status=open": TicketFilters(statuses=(TicketStatus.OPEN,)),
        "assigned_to_me": TicketFilters(assigned_to_me=True),
        "unassigned + open": TicketFilters(
            unassigned=True, statuses=(TicketStatus.OPEN,)
        ),
        "tag=vip": TicketFilters(tags=("vip",)),
        f"q={words[3]} (common word)": TicketFilters(text=words[3]),
        f"q={words[200]} (middling word)": TicketFilters(text=words[200]),
        f"q={words[1700]} (rare word)": TicketFilters(text=words[1700]),
        "q=SR-2026-04242 (reference)": TicketFilters(text="SR-2026-04242"),
    }
    out: list[str] = []
    async with engine.connect() as conn:
        await conn.execute(text("SET jit = off"))
        for title, filters in shown.items():
            where = list_conditions(actor, filters)
            assert where is not None
            for n, alternative in enumerate(where.any_of or [None]):
                extra = [] if alternative is None else [alternative]
                page = q.page_statement(
                    actor.tenant_id,
                    [*where.every, *extra],
                    descending=True,
                    after=None,
                    limit=51,
                )
                lines = await q.explain(conn, page, "ANALYZE, BUFFERS")
                out += [f"-- {title}: page, branch {n + 1}", *lines, ""]
            cap = SEARCH_TOTAL_EXACT_UP_TO if where.any_of else TOTAL_EXACT_UP_TO
            count = q.count_statement(
                actor.tenant_id, where.every, cap + 1, where.any_of
            )
            lines = await q.explain(conn, count, "ANALYZE, BUFFERS")
            out += [f"-- {title}: capped count", *lines, ""]
    await engine.dispose()
    return "\n".join(out)


# --- orchestration ------------------------------------------------------------------


def report(document: dict[str, Any]) -> str:
    m = document["machine"]
    lines = [
        f"triage benchmark at {document['started']}",
        f"machine   {m['cpu']}; {m['cores']} cores ({m['cores_usable']} usable); "
        f"{m['memory_gib']} GiB; Linux {m['kernel']}; Python {m['python']}; "
        f"PostgreSQL {m['postgresql']}; load average before {m['load_before']}",
        f"data      {document['data']}",
        f"settings  {document['settings']}",
    ]
    for kind, figures in document["figures"]["kinds"].items():
        lines.append(
            f"{kind:<9} p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
            f"max {figures['max_ms']} ms ({figures['n']} requests)"
        )
    lines.append("per case  p50 / p95 ms (median total)")
    for name, figures in document["figures"]["cases"].items():
        lines.append(
            f"          {name:<28} {figures['p50_ms']:>7} / {figures['p95_ms']:>7}"
            f"  ({figures['median_total']})"
        )
    errors = document["figures"]["errors"]
    lines.append(f"errors    {errors or 'none'}")
    lines.append(
        "targets   "
        + "; ".join(f"{k}: {v}" for k, v in document["targets_met"].items())
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    settings = TicketsSettings(tickets_database=DATABASE)
    machine = create_tickets.machine_info()
    machine["postgresql"] = asyncio.run(create_tickets.postgres_version(settings))
    machine["load_before"] = os.getloadavg()[0]
    started = datetime.now(UTC)
    data = asyncio.run(prepare(options, settings))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    tickets_port, gateway_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "DESK_TICKETS_DATABASE": DATABASE,
        "DESK_TICKETS_PORT": str(tickets_port),
        "DESK_GATEWAY_PORT": str(gateway_port),
        "DESK_TICKETS_URL": f"http://127.0.0.1:{tickets_port}",
        "DESK_JWT_SECRET": SECRET,
        "DESK_LOG_LEVEL": "WARNING",
        # One request at a time needs few connections; a shared server has few.
        "DESK_DB_POOL_SIZE": os.environ.get("DESK_DB_POOL_SIZE", "4"),
    }
    log = RESULTS / f"triage-{stamp}.desk.log"
    processes = []
    try:
        processes.append(start(env, "desk-tickets", env["DESK_TICKETS_URL"], log))
        gateway = f"http://127.0.0.1:{gateway_port}"
        processes.append(start(env, "desk-gateway", gateway, log))
        print(f"measuring {options.rounds} rounds ...", flush=True)
        measured = measure(gateway, options)
    finally:
        for process in processes:
            process.terminate()
            process.wait(30)
    figures = summarise(measured)
    kinds = figures["kinds"]
    document: dict[str, Any] = {
        "benchmark": "triage",
        "started": started.isoformat(timespec="seconds"),
        "machine": machine,
        "data": {
            "tickets": options.tickets,
            "tenants": options.tenants,
            "comments_per_ticket": options.comments,
            "customers": options.customers,
            **data,
        },
        "settings": {
            "rounds": options.rounds,
            "client": "httpx, sequential",
            "code": create_tickets.code_version(),
        },
        "figures": figures,
        "targets": TARGETS,
        "targets_met": {
            "list p95 < 30 ms": kinds.get("list", {}).get("p95_ms", 1e9)
            < TARGETS["list_p95_ms"],
            "search p95 < 100 ms": kinds.get("search", {}).get("p95_ms", 1e9)
            < TARGETS["search_p95_ms"],
            "directory p95 < 20 ms": kinds.get("directory", {}).get("p95_ms", 1e9)
            < TARGETS["directory_p95_ms"],
        },
    }
    path = RESULTS / f"triage-{stamp}.json"
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    print()
    print(report(document))
    print(f"written   {path}")
    if options.explain:
        text = asyncio.run(plans(settings, options))
        plan_path = RESULTS / f"triage-{stamp}.plans.txt"
        plan_path.write_text(text)
        print(text)
        print(f"plans     {plan_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
