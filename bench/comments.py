"""Benchmark: post comments through the gateway; the target is p99 under 50 ms.

    uv run python bench/comments.py [--concurrency 16] [--duration 20] [--warmup 3]
        [--tickets 50] [--relay/--no-relay] [--at-scale]

Starts a tickets service, its outbox relay and a gateway on free ports (one worker
each, logging at WARNING) against a database of its own
(``desk_tickets_bench_comments``, migrated), registers a tenant with 20 users and
``--tickets`` tickets, then runs ``--concurrency`` workers on one aiohttp session,
each POSTing ``/v1/tickets/{id}/comments`` back to back to a random ticket: bodies
of 40 to 400 characters, a third mentioning one or two users, a fifth internal
notes. The first ``--warmup`` seconds are not counted.

``--at-scale`` posts into the million tickets ``bench/triage.py`` loads
(``desk_tickets_bench``; run that first): to ``--tickets`` random tickets
of its tenant ``triage-0`` (100,000 tickets, some 50,000 comments; a million
tickets and half a million comments in the database), as its user ``u0``,
mentioning its users ``u1``-``u19``, so that every insert maintains the full-size
indexes.

Figures: comments/s completed in the window; client-side latency (p50, p95, p99,
max) of the POSTs completed in it; errors; the outbox rows left once the load
stops (the relay's backlog); CPU used by the machine during the window.
Printed with the machine, and written as JSON to ``bench/results/``.
"""

import argparse
import asyncio
import importlib.util
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import httpx
from desk_gateway.auth import mint_token
from desk_infra.db import asyncpg_dsn
from desk_infra.settings import JwtSettings
from desk_tickets.config import TicketsSettings
from desk_tickets.entrypoints.main import migrate
from helpdesk_contracts.vocabulary import ActorKind
from pydantic import SecretStr

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DATABASE = "desk_tickets_bench_comments"
SCALE_DATABASE, SCALE_TENANT = "desk_tickets_bench", "triage-0"
SCALE_USERS = [f"u{n}" for n in range(20)]
"""``bench/triage.py``'s database, its first tenant and some of its users."""
SECRET = "bench-comments-secret-not-for-production-0123456789"  # noqa: S105 (bench)
TARGET_P99_MS = 50.0
USERS = [f"user{n}" for n in range(20)]
PERMISSIONS = [
    "support:request:update:all",
    "support:internal",
    "support:comment:create",
]
WORDS = ["the", "boiler", "radiator", "leak", "still", "cold", "since", "monday"]

_spec = importlib.util.spec_from_file_location(
    "create_tickets", HERE / "create_tickets.py"
)
assert _spec is not None
assert _spec.loader is not None
create_tickets = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(create_tickets)


@dataclass(frozen=True)
class Options:
    concurrency: int
    duration: float
    warmup: float
    tickets: int
    relay: bool
    at_scale: bool


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds")
    parser.add_argument("--tickets", type=int, default=50)
    parser.add_argument(
        "--relay",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the outbox relay during the load, as production does",
    )
    parser.add_argument(
        "--at-scale",
        action="store_true",
        help="post into the million tickets of bench/triage.py's database",
    )
    args = parser.parse_args(argv)
    if args.concurrency < 1 or args.duration <= 0 or args.tickets < 1:
        parser.error("--concurrency, --duration and --tickets must be positive")
    return Options(
        args.concurrency,
        args.duration,
        max(0.0, args.warmup),
        args.tickets,
        args.relay,
        args.at_scale,
    )


def bodies(count: int, seed: int, users: Sequence[str]) -> list[bytes]:
    pick = random.Random(seed)
    made = []
    for _ in range(count):
        text = " ".join(pick.choices(WORDS, k=pick.randint(8, 70)))
        if pick.random() < 1 / 3:
            named = " ".join(f"@{u}" for u in pick.sample(users, pick.randint(1, 2)))
            text = f"{named} {text}"
        internal = pick.random() < 0.2
        made.append(json.dumps({"body": text, "internal": internal}).encode())
    return made


# --- the desk -----------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(
    env: dict[str, str], command: str, url: str | None, log: Path
) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name(command))],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 90
    while url is not None and time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{command} exited with {process.returncode}; see {log}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    if url is not None:
        process.terminate()
        raise RuntimeError(f"{command} was not ready in 90 s; see {log}")
    return process


def prepare(tickets_url: str, options: Options) -> tuple[str, list[str]]:
    """A new tenant with its users and tickets, through the internal API."""
    tenant = f"bench-{datetime.now(UTC):%H%M%S}-{random.randrange(10**6)}"
    who = {
        "x-desk-tenant": tenant,
        "x-desk-user": USERS[0],
        "x-desk-kind": "operator",
        "x-desk-permissions": " ".join(PERMISSIONS),
    }
    with httpx.Client(base_url=tickets_url, timeout=30) as client:
        client.put(
            f"/v1/admin/tenants/{tenant}", json={"name": tenant, "modules": ["support"]}
        ).raise_for_status()
        entries = [{"id": u, "name": u.title()} for u in USERS]
        client.put(
            "/v1/admin/directory/users", json={"entries": entries}, headers=who
        ).raise_for_status()
        ids = []
        for n in range(options.tickets):
            answer = client.post(
                "/v1/tickets",
                json={"subject": f"Ticket {n}", "description": "bench"},
                headers=who,
            )
            answer.raise_for_status()
            ids.append(answer.json()["id"])
    return tenant, ids


async def existing_tickets(settings: TicketsSettings, count: int) -> list[str]:
    """``count`` random tickets of the loaded tenant of ``bench/triage.py``."""
    conn = await asyncpg.connect(asyncpg_dsn(settings, settings.tickets_database))
    try:
        rows = await conn.fetch(
            "SELECT id FROM tickets TABLESAMPLE SYSTEM (5) "
            "WHERE tenant_id = $1 AND deleted_at IS NULL LIMIT $2",
            SCALE_TENANT,
            count,
        )
    finally:
        await conn.close()
    if len(rows) < count:
        raise SystemExit(f"{SCALE_DATABASE} holds too few tickets: run bench/triage.py")
    return [str(r["id"]) for r in rows]


async def outbox_rows(settings: TicketsSettings) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(settings, settings.tickets_database))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM outbox"))
    finally:
        await conn.close()


# --- load ---------------------------------------------------------------------------


async def load(
    gateway: str, token: str, tickets: list[str], options: Options
) -> dict[str, Any]:
    posts = bodies(2000, seed=7, users=SCALE_USERS if options.at_scale else USERS)
    latencies: list[float] = []
    errors: list[str] = []
    posted = [0]
    began = time.perf_counter()
    window = (began + options.warmup, began + options.warmup + options.duration)
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    connector = aiohttp.TCPConnector(limit=options.concurrency)

    async def worker(seed: int) -> None:
        pick = random.Random(seed)
        while (now := time.perf_counter()) < window[1]:
            path = f"{gateway}/v1/tickets/{pick.choice(tickets)}/comments"
            async with session.post(
                path, data=pick.choice(posts), headers=headers
            ) as answer:
                await answer.read()
                done = time.perf_counter()
            posted[0] += 1
            if answer.status != 201:
                errors.append(f"{answer.status}")
            elif now >= window[0] and done <= window[1]:
                latencies.append(done - now)

    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(n) for n in range(options.concurrency)))
    return {"latencies": latencies, "errors": errors, "posted": posted[0]}


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine."""
    fields = [float(x) for x in Path("/proc/stat").read_text().split()[1:9]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def summarise(measured: dict[str, Any], options: Options) -> dict[str, Any]:
    latencies = measured["latencies"]
    return {
        "comments_per_s": round(len(latencies) / options.duration, 1),
        "counted": len(latencies),
        "errors": len(measured["errors"]),
        "error_samples": sorted(set(measured["errors"]))[:5],
        **{
            f"latency_{name}_ms": round(value, 1) if value is not None else None
            for name, value in (
                ("p50", percentile(latencies, 50)),
                ("p95", percentile(latencies, 95)),
                ("p99", percentile(latencies, 99)),
                ("max", percentile(latencies, 100)),
            )
        },
    }


def report(document: dict[str, Any]) -> str:
    figures, machine = document["figures"], document["machine"]
    settings = document["settings"]
    lines = [
        f"comments  {figures['comments_per_s']}/s over {settings['duration_s']} s"
        f" at concurrency {settings['concurrency']}",
        f"latency   p50 {figures['latency_p50_ms']} ms  p95 {figures['latency_p95_ms']}"
        f" ms  p99 {figures['latency_p99_ms']} ms  max {figures['latency_max_ms']} ms",
        f"errors    {figures['errors']} {figures['error_samples']}",
        f"outbox    {document['outbox_rows_after']} rows left when the load stopped"
        f" (relay {'on' if document['settings']['relay'] else 'off'})",
        f"cpu       machine {document['machine_cpu_percent']}% busy during the window;"
        f" CPU ms per comment {document['cpu_ms_per_comment']}",
        f"target    p99 < {TARGET_P99_MS:.0f} ms: "
        + ("met" if document["target_met"] else "NOT met"),
        f"machine   {machine['cpu']}, {machine['cores_usable']} cores usable, "
        f"{machine['memory_gib']} GiB, Linux {machine['kernel']}, Python "
        f"{machine['python']}, PostgreSQL {machine['postgresql']}, "
        f"load before {machine['load_before']:.2f}",
        f"code      {document['settings']['code']}",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    database = SCALE_DATABASE if options.at_scale else DATABASE
    settings = TicketsSettings(tickets_database=database)
    machine = create_tickets.machine_info()
    machine["postgresql"] = asyncio.run(create_tickets.postgres_version(settings))
    machine["load_before"] = os.getloadavg()[0]
    started = datetime.now(UTC)
    asyncio.run(migrate(settings))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    tickets_port, gateway_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "DESK_TICKETS_DATABASE": database,
        "DESK_TICKETS_PORT": str(tickets_port),
        "DESK_GATEWAY_PORT": str(gateway_port),
        "DESK_TICKETS_URL": f"http://127.0.0.1:{tickets_port}",
        "DESK_JWT_SECRET": SECRET,
        "DESK_LOG_LEVEL": "WARNING",
        "DESK_TENANT_CACHE_SECONDS": "30",
        # As many connections as workers: enough, and kind to a shared server.
        "DESK_DB_POOL_SIZE": os.environ.get(
            "DESK_DB_POOL_SIZE", str(options.concurrency)
        ),
    }
    log = RESULTS / f"comments-{stamp}.desk.log"
    gateway = f"http://127.0.0.1:{gateway_port}"
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        processes["tickets"] = start(env, "desk-tickets", env["DESK_TICKETS_URL"], log)
        if options.relay:
            processes["relay"] = start(env, "desk-tickets-relay", None, log)
        processes["gateway"] = start(env, "desk-gateway", gateway, log)
        if options.at_scale:
            tenant, user = SCALE_TENANT, SCALE_USERS[0]
            tickets = asyncio.run(existing_tickets(settings, options.tickets))
        else:
            user = USERS[0]
            tenant, tickets = prepare(env["DESK_TICKETS_URL"], options)
        token = mint_token(
            JwtSettings(secret=SecretStr(SECRET)),
            tenant_id=tenant,
            user_id=user,
            kind=ActorKind.OPERATOR,
            permissions=PERMISSIONS,
        )
        print(f"posting comments for {options.warmup + options.duration:.0f} s ...")
        busy_before = cpu_busy()
        spent_before = {n: cpu_seconds(p.pid) for n, p in processes.items()}
        measured = asyncio.run(load(gateway, token, tickets, options))
        spent = {n: cpu_seconds(p.pid) - spent_before[n] for n, p in processes.items()}
        busy_after = cpu_busy()
        left = asyncio.run(outbox_rows(settings))
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(30)
    figures = summarise(measured, options)
    busy = (busy_after[0] - busy_before[0]) / max(1.0, busy_after[1] - busy_before[1])
    p99 = figures["latency_p99_ms"]
    document = {
        "benchmark": "comments",
        "started": started.isoformat(timespec="seconds"),
        "machine": machine,
        "settings": {
            "concurrency": options.concurrency,
            "duration_s": options.duration,
            "warmup_s": options.warmup,
            "tickets": options.tickets,
            "database": database,
            "relay": options.relay,
            "workers": "1 tickets, 1 gateway",
            "db_pool_size": env["DESK_DB_POOL_SIZE"],
            "client": "aiohttp, one session",
            "code": create_tickets.code_version(),
        },
        "figures": figures,
        "outbox_rows_after": left,
        "cpu_ms_per_comment": {
            name: round(seconds * 1000 / max(1, measured["posted"]), 2)
            for name, seconds in spent.items()
        },
        "machine_cpu_percent": round(busy * 100, 1),
        "target_p99_ms": TARGET_P99_MS,
        "target_met": p99 is not None and p99 < TARGET_P99_MS and not figures["errors"],
    }
    path = RESULTS / f"comments-{stamp}.json"
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    print()
    print(report(document))
    print(f"written   {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
