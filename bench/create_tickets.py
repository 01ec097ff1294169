"""Benchmark: create tickets through the gateway and time their ``ticket.created.v1``.

    uv run python bench/create_tickets.py [--concurrency 32] [--duration 30]
        [--tenants 1] [--warmup 3] [--no-start] [--client aiohttp|httpx]

Unless ``--no-start``, the desk is started as real processes (``supportdesk up``,
logging at WARNING) and stopped with SIGINT at the end. Three more processes take
part: this one (orchestration, CPU accounting, report), a load generator
(``--concurrency`` workers on one aiohttp session, or ``httpx.AsyncClient``,
POSTing ``/v1/tickets``) and an event consumer (aio-pika, an exclusive
auto-delete queue bound to ``helpdesk.events`` with ``ticket.created.v1``).

Figures:

- creates/s: 201 answers completed inside the measured window, divided by its length;
- latency: client-side time of each POST completed inside the window;
- event delay: receive time at the consumer minus the envelope ``time``, which the
  tickets service stamps while building the event, a few milliseconds before the
  statement that commits it; so it is commit-to-delivery plus those ms;
- events missing / duplicated: per ticket created by this run (warm-up included),
  matched by ``data.ticket_id``;
- CPU per process group read from /proc over the window, in % of one core and in
  ms per create (steadier than creates/s when other work shares the machine).

The figures are printed and written as JSON to ``bench/results/``.
"""

import argparse
import asyncio
import contextlib
import dataclasses
import importlib.util
import json
import math
import multiprocessing
import os
import platform
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aio_pika
import aiohttp
import asyncpg
import httpx
from aio_pika.abc import AbstractConnection, AbstractIncomingMessage
from desk_gateway.config import GatewaySettings
from desk_infra.db import asyncpg_dsn
from desk_infra.settings import ServiceSettings
from desk_tickets.config import TicketsSettings
from helpdesk_contracts.routing import EVENTS_EXCHANGE

ROUTING_KEY = "ticket.created.v1"
PERMISSION = "support:request:update:all"
OPERATOR = "bench-operator"
RESULTS = Path(__file__).resolve().parent / "results"
CODE_FOLDERS = ("services", "libs", "contracts", "cli")
TARGETS = {"creates_per_s": 500.0, "latency_p99_ms": 100.0, "event_delay_p99_ms": 50.0}
DELAY_DEFINITION = (
    "event delay = time the consumer received the message (wall clock) "
    "- envelope `time` (stamped when the tickets service builds the event, "
    "just before the statement that commits ticket and event)"
)


@dataclass(frozen=True)
class Options:
    concurrency: int
    duration: float
    warmup: float
    tenants: int
    start: bool
    drain_timeout: float
    log_level: str
    client: str


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds")
    parser.add_argument("--tenants", type=int, default=1)
    parser.add_argument(
        "--no-start",
        action="store_true",
        help="use the desk already running instead of starting one",
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=30.0,
        help="seconds to wait for the last events after the load stops",
    )
    parser.add_argument(
        "--log-level", default="WARNING", help="DESK_LOG_LEVEL of a started desk"
    )
    parser.add_argument(
        "--client",
        choices=("aiohttp", "httpx"),
        default="aiohttp",
        help="HTTP client of the load generator (aiohttp costs less CPU per call)",
    )
    args = parser.parse_args(argv)
    if args.concurrency < 1 or args.tenants < 1 or args.duration <= 0:
        parser.error("--concurrency, --tenants and --duration must be positive")
    return Options(
        concurrency=args.concurrency,
        duration=args.duration,
        warmup=max(0.0, args.warmup),
        tenants=args.tenants,
        start=not args.no_start,
        drain_timeout=args.drain_timeout,
        log_level=args.log_level.upper(),
        client=args.client,
    )


# --- machine --------------------------------------------------------------------


def _first(path: str, key: str) -> str | None:
    with contextlib.suppress(OSError), open(path) as lines:
        for line in lines:
            name, _, value = line.partition(":")
            if name.strip() == key:
                return value.strip()
    return None


def machine_info() -> dict[str, Any]:
    memory = _first("/proc/meminfo", "MemTotal")
    memory_gib = round(int(memory.split()[0]) / 1024**2, 1) if memory else None
    return {
        "cpu": _first("/proc/cpuinfo", "model name") or platform.processor(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "memory_gib": memory_gib,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def code_version() -> str | None:
    """The commit the desk runs, ``+dirty`` if its code has uncommitted changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changes = subprocess.run(
            ["git", "status", "--porcelain", "--", *CODE_FOLDERS],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if changes else "")


async def postgres_version(settings: ServiceSettings) -> str | None:
    try:
        conn = await asyncpg.connect(asyncpg_dsn(settings, "postgres"), timeout=5)
    except (OSError, asyncpg.PostgresError):
        return None
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


# --- the desk -------------------------------------------------------------------


def _venv_command(name: str) -> str:
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else name


def answers_ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def start_desk(
    url: str, log_path: Path, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    """``supportdesk up`` in its own session, so only we signal it."""
    with open(log_path, "ab") as log:
        desk = subprocess.Popen(
            [_venv_command("supportdesk"), "up"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if desk.poll() is not None:
            raise RuntimeError(f"supportdesk up exited with {desk.returncode}")
        if answers_ready(url):
            return desk
        time.sleep(0.25)
    stop_desk(desk)
    raise RuntimeError(f"{url}/readyz did not answer 200 within 180 s")


def stop_desk(desk: subprocess.Popen[bytes]) -> None:
    """SIGINT, wait; then kill whatever is left of the session we created."""
    if desk.poll() is None:
        desk.send_signal(signal.SIGINT)
        try:
            desk.wait(timeout=60)
        except subprocess.TimeoutExpired:
            print("supportdesk up did not stop in 60 s; killing it", file=sys.stderr)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(desk.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        desk.wait(timeout=10)


def mint_token(tenant: str, env: dict[str, str]) -> str:
    """Register the tenant and operator with the CLI; the token is its last line."""
    done = subprocess.run(
        [
            _venv_command("supportdesk"),
            "token",
            "--tenant",
            tenant,
            "--user",
            OPERATOR,
            "--kind",
            "operator",
            "--permission",
            PERMISSION,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"supportdesk token failed: {done.stderr.strip()}")
    return done.stdout.strip().splitlines()[-1]


# --- CPU accounting from /proc ----------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ROOTS = ("desk-gateway", "desk-tickets-relay", "desk-tickets")


def _stat(pid: int) -> tuple[int, str, float] | None:
    """(parent pid, command name, CPU seconds) of a live process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), name, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _descends(
    pid: int, ancestor: int, stats: dict[int, tuple[int, str, float]]
) -> bool:
    for _ in range(16):
        if pid == ancestor:
            return True
        if pid not in stats:
            return False
        pid = stats[pid][0]
    return False


def cpu_by_group(own: dict[int, str], desk: int | None) -> dict[int, tuple[str, float]]:
    """Each process's group (desk service, postgres, rabbitmq, bench) and CPU time.

    A uvicorn worker is counted with the service whose process started it. When the
    bench started the desk (``desk`` is its pid), desk processes that are not its
    descendants (another desk, say of a test run) are counted as ``other``.
    """
    stats: dict[int, tuple[int, str, float]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and (found := _stat(int(entry.name))) is not None:
            stats[int(entry.name)] = found
    groups: dict[int, str] = {}
    for pid, (_, name, _) in stats.items():
        if pid in own:
            groups[pid] = own[pid]
        elif name == "postgres":
            groups[pid] = "postgres"
        elif name in ("beam.smp", "erl_child_setup"):
            groups[pid] = "rabbitmq"
        else:
            command = _cmdline(pid)
            root = next((r for r in ROOTS if f"/{r} " in f"{command} "), None)
            mine = desk is None or _descends(pid, desk, stats)
            if root is not None:
                groups[pid] = root.removeprefix("desk-") if mine else "other"
            elif "/supportdesk up" in command:
                groups[pid] = "supportdesk-up" if mine else "other"
    result: dict[int, tuple[str, float]] = {}
    for pid, (ppid, _, cpu) in stats.items():
        group = groups.get(pid)
        parent, hops = ppid, 0
        while group is None and parent in stats and hops < 8:
            group = groups.get(parent)
            parent, hops = stats[parent][0], hops + 1
        result[pid] = (group or "other", cpu)
    return result


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


@dataclass
class CpuSample:
    processes: dict[int, tuple[str, float]]
    busy: float
    total: float

    @classmethod
    def take(cls, own: dict[int, str], desk: int | None) -> "CpuSample":
        busy, total = machine_busy()
        return cls(cpu_by_group(own, desk), busy, total)


def cpu_report(
    before: CpuSample, after: CpuSample, seconds: float, creates: int
) -> dict[str, Any]:
    """CPU used in the window per group: in % of one core, and per create (which
    other work on the machine disturbs less than the throughput)."""
    used: dict[str, float] = {}
    for pid, (group, cpu) in after.processes.items():
        start = before.processes.get(pid)
        spent = cpu - (start[1] if start and start[0] == group else 0.0)
        used[group] = used.get(group, 0.0) + spent
    machine = (after.busy - before.busy) / max(after.total - before.total, 1e-9)
    # "other": whatever the machine did besides the known groups, short-lived
    # processes and kernel time included (they never show in a /proc sample).
    known = sum(c for g, c in used.items() if g != "other")
    used["other"] = max(used.get("other", 0.0), after.busy - before.busy - known)
    ranked = [(g, c) for g, c in sorted(used.items(), key=lambda i: -i[1]) if c > 0]
    desk = [(g, c) for g, c in ranked if g not in ("other", "bench")]
    return {
        "percent_of_one_core": {g: round(100 * c / seconds, 1) for g, c in ranked},
        "ms_per_create": {
            g: round(1000 * c / creates, 2) if creates else None for g, c in desk
        },
        "machine_busy_percent": round(100 * machine, 1),
    }


# --- load generator (its own process) ----------------------------------------------

SUBJECTS = [
    "Heating not working in meeting room {n}",
    "Leaking tap in the kitchen on floor {n}",
    "Cannot log in to the portal since this morning",
    "Invoice {n} shows the wrong amount",
    "Broken window latch, unit {n}",
    "Request for a new parking permit",
    "Lift stuck between floors {n} and {m}",
    "Wi-Fi drops every few minutes in block {n}",
]
DESCRIPTIONS = [
    "Reported by the tenant at reception. The radiator stays cold even with the "
    "thermostat at maximum; the problem started after last week's maintenance. "
    "Please send someone before Friday, the room is booked for a client visit.",
    "Water drips constantly from the mixer tap and the cabinet below is getting "
    "damp. The shut-off valve is stiff; we did not force it.",
    "The password reset e-mail never arrives. Tried twice, checked the spam "
    "folder. Account was working on Monday.",
    "The invoice lists 14 hours of cleaning but the contract says 10 a month. "
    "Please correct it and send a credit note.",
]


def ticket_bodies(count: int, seed: int) -> list[bytes]:
    """Varied, realistic ``TicketCreate`` bodies, encoded once up front."""
    rng = random.Random(seed)
    bodies = []
    for _ in range(count):
        n, m = rng.randint(1, 40), rng.randint(1, 40)
        body: dict[str, Any] = {
            "subject": rng.choice(SUBJECTS).format(n=n, m=m),
            "description": rng.choice(DESCRIPTIONS),
            "priority": rng.choice(["low", "medium", "medium", "high", "urgent"]),
        }
        if rng.random() < 0.3:
            body["map_pin"] = {
                "latitude": round(rng.uniform(51.3, 51.7), 6),
                "longitude": round(rng.uniform(-0.5, 0.3), 6),
            }
        bodies.append(json.dumps(body).encode())
    return bodies


@dataclass
class LoadResult:
    """One request: in the measured window?, seconds from t0 at the end, latency,
    status (HTTP code or exception name), ticket id when created."""

    measured: list[bool] = field(default_factory=list)
    finished_at: list[float] = field(default_factory=list)
    latency: list[float] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    ticket_id: list[str | None] = field(default_factory=list)
    error_samples: dict[str, str] = field(default_factory=dict)
    """The first answer body (or exception) seen for each failing status."""


Answer = tuple[str, str | None, str | None]
"""Status (HTTP code or exception name), ticket id when created, error text."""
Post = Callable[[bytes, dict[str, str]], Awaitable[Answer]]
TICKETS_PATH = "/v1/tickets"


def _created_id(location: str | None, body: bytes) -> str:
    found = (location or "").rsplit("/", 1)[-1]
    return found or str(json.loads(body)["id"])


@contextlib.asynccontextmanager
async def http_client(kind: str, url: str, connections: int) -> AsyncIterator[Post]:
    """A ``post(body, headers)`` over a pooled aiohttp or httpx client."""
    if kind == "aiohttp":
        connector = aiohttp.TCPConnector(limit=connections)
        timeout = aiohttp.ClientTimeout(total=30.0)
        async with aiohttp.ClientSession(
            base_url=url, connector=connector, timeout=timeout
        ) as session:

            async def post_aiohttp(body: bytes, headers: dict[str, str]) -> Answer:
                try:
                    async with session.post(
                        TICKETS_PATH, data=body, headers=headers
                    ) as answer:
                        content = await answer.read()
                        if answer.status != 201:
                            text = content[:300].decode(errors="replace")
                            return str(answer.status), None, text
                        location = answer.headers.get("location")
                        return "201", _created_id(location, content), None
                except (aiohttp.ClientError, TimeoutError) as exc:
                    return type(exc).__name__, None, repr(exc)[:300]

            yield post_aiohttp
        return
    limits = httpx.Limits(
        max_connections=connections, max_keepalive_connections=connections
    )
    async with httpx.AsyncClient(
        base_url=url, limits=limits, timeout=httpx.Timeout(30.0)
    ) as client:

        async def post_httpx(body: bytes, headers: dict[str, str]) -> Answer:
            try:
                answer = await client.post(TICKETS_PATH, content=body, headers=headers)
            except httpx.HTTPError as exc:
                return type(exc).__name__, None, repr(exc)[:300]
            if answer.status_code != 201:
                return str(answer.status_code), None, answer.text[:300]
            location = answer.headers.get("location")
            return "201", _created_id(location, answer.content), None

        yield post_httpx


async def _generate(
    url: str, tokens: list[str], options: Options, pipe: Connection
) -> LoadResult:
    result = LoadResult()
    bodies = ticket_bodies(256, seed=7)
    async with http_client(options.client, url, options.concurrency) as post:
        t0 = time.perf_counter()
        window_start = t0 + options.warmup
        window_end = window_start + options.duration

        async def announce() -> None:
            """Tell the parent when the window opens and closes (CPU samples)."""
            await asyncio.sleep(max(0.0, window_start - time.perf_counter()))
            pipe.send(("measuring", time.time()))
            await asyncio.sleep(max(0.0, window_end - time.perf_counter()))
            pipe.send(("ended", time.time()))

        async def worker(index: int) -> None:
            headers = {
                "authorization": f"Bearer {tokens[index % len(tokens)]}",
                "content-type": "application/json",
            }
            sent = index
            while (start := time.perf_counter()) < window_end:
                body = bodies[sent % len(bodies)]
                sent += options.concurrency
                status, ticket_id, error = await post(body, headers)
                end = time.perf_counter()
                if error is not None:
                    result.error_samples.setdefault(status, error)
                result.measured.append(window_start <= end <= window_end)
                result.finished_at.append(end - t0)
                result.latency.append(end - start)
                result.status.append(status)
                result.ticket_id.append(ticket_id)

        announcer = asyncio.create_task(announce())
        await asyncio.gather(*(worker(i) for i in range(options.concurrency)))
        await announcer
    return result


def load_process(
    url: str, tokens: list[str], options: Options, pipe: Connection
) -> None:
    """Entry point of the load generator process."""
    # httpcore tries ``import sniffio`` on every request; the package is not
    # installed here, and a failed import is not cached, so each request would
    # search sys.path again. Marking it absent makes that import fail at once and
    # keeps the client's CPU for the desk (the desk itself is left as it is).
    if importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]
    try:
        result = asyncio.run(_generate(url, tokens, options, pipe))
        pipe.send(("done", dataclasses.asdict(result)))
    except BaseException as exc:
        pipe.send(("failed", repr(exc)))
        raise


# --- event consumer (its own process) ---------------------------------------------


def _server_version(connection: AbstractConnection) -> str | None:
    transport: Any = getattr(connection, "transport", None)
    with contextlib.suppress(AttributeError, KeyError, TypeError):
        version = transport.connection.server_properties["version"]
        return version.decode() if isinstance(version, bytes) else str(version)
    return None


async def _consume(amqp_url: str, tenants: list[str], pipe: Connection) -> None:
    wanted = set(tenants)
    delays: dict[str, list[float]] = {}
    foreign = 0
    pending: set[str] | None = None
    all_seen = asyncio.Event()
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        queue = await channel.declare_queue("", exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key=ROUTING_KEY)

        async def on_message(message: AbstractIncomingMessage) -> None:
            nonlocal foreign
            received = time.time()
            event = json.loads(message.body)
            if event.get("tenantid") not in wanted:
                foreign += 1
                return
            stamped = datetime.fromisoformat(event["time"]).timestamp()
            ticket_id = event["data"]["ticket_id"]
            delays.setdefault(ticket_id, []).append(received - stamped)
            if pending is not None:
                pending.discard(ticket_id)
                if not pending:
                    all_seen.set()

        await queue.consume(on_message, no_ack=True)
        pipe.send(("ready", _server_version(connection)))
        _, expected, drain_timeout = await asyncio.to_thread(pipe.recv)
        pending = set(expected) - delays.keys()
        if not pending:
            all_seen.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_seen.wait(), drain_timeout)
        await asyncio.sleep(1.0)  # late duplicates
        # A closed connection (RabbitMQ restarted, say) means events went unseen.
        lost = connection.is_closed
    pipe.send(("events", delays, foreign, lost))


def consumer_process(amqp_url: str, tenants: list[str], pipe: Connection) -> None:
    """Entry point of the event consumer process."""
    try:
        asyncio.run(_consume(amqp_url, tenants, pipe))
    except BaseException as exc:
        pipe.send(("failed", repr(exc)))
        raise


# --- figures ------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile of values sorted ascending."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def summarise(
    options: Options,
    load: LoadResult,
    events: dict[str, list[float]],
    foreign: int,
) -> dict[str, Any]:
    window = [i for i, m in enumerate(load.measured) if m]
    latencies = sorted(load.latency[i] for i in window)
    errors = Counter(load.status[i] for i in window if load.status[i] != "201")
    created = [i for i in window if load.status[i] == "201"]
    per_second = Counter(
        int(load.finished_at[i] - options.warmup) for i in created
    )  # second of the window each create finished in
    all_ids = [t for t in load.ticket_id if t is not None]
    measured_ids = {load.ticket_id[i] for i in created}
    counts = Counter(all_ids)
    missing = [t for t in counts if t not in events]
    duplicated = {t: len(events[t]) for t in counts if len(events.get(t, ())) > 1}
    unknown = [t for t in events if t not in counts]
    delays = sorted(events[t][0] for t in measured_ids if t in events)
    return {
        "creates": len(created),
        "creates_per_s": round(len(created) / options.duration, 1),
        "creates_per_s_each_second": {
            "min": min(per_second.values(), default=0),
            "max": max(per_second.values(), default=0),
            "series": [per_second.get(s, 0) for s in range(int(options.duration))],
        },
        "requests": len(window),
        "latency_ms": {
            "p50": ms(percentile(latencies, 50)),
            "p95": ms(percentile(latencies, 95)),
            "p99": ms(percentile(latencies, 99)),
            "max": ms(latencies[-1] if latencies else None),
            "mean": ms(sum(latencies) / len(latencies) if latencies else None),
        },
        "errors_by_status": dict(errors.most_common()),
        "error_samples": load.error_samples,
        "warmup_requests": len(load.measured) - len(window),
        "events": {
            "definition": DELAY_DEFINITION,
            "delay_ms": {
                "p50": ms(percentile(delays, 50)),
                "p95": ms(percentile(delays, 95)),
                "p99": ms(percentile(delays, 99)),
                "max": ms(delays[-1] if delays else None),
            },
            "tickets_created_incl_warmup": len(counts),
            "received_for_them": sum(len(events.get(t, ())) for t in counts),
            "missing": len(missing),
            "duplicated": len(duplicated),
            "duplicate_deliveries": sum(n - 1 for n in duplicated.values()),
            "missing_sample": missing[:10],
            "unknown_ticket_ids": len(unknown),
            "other_tenants_ignored": foreign,
        },
    }


def verdicts(figures: dict[str, Any]) -> dict[str, bool | None]:
    p99 = figures["latency_ms"]["p99"]
    delay = figures["events"]["delay_ms"]["p99"]
    return {
        "creates_per_s >= 500": figures["creates_per_s"] >= TARGETS["creates_per_s"],
        "latency p99 < 100 ms": None if p99 is None else p99 < 100,
        "event delay p99 < 50 ms": None if delay is None else delay < 50,
    }


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def report(document: dict[str, Any]) -> str:
    m, s, f = document["machine"], document["settings"], document["figures"]
    lat, ev, cpu = f["latency_ms"], f["events"], document["cpu"]
    errors = ", ".join(f"{k}: {v}" for k, v in f["errors_by_status"].items())
    desk = ", ".join(f"{k}={v}" for k, v in s["desk_env"].items())
    shares = ", ".join(f"{k} {v}%" for k, v in cpu["percent_of_one_core"].items())
    marks = {True: "met", False: "MISSED", None: "n/a"}
    costs = {k: v for k, v in cpu["ms_per_create"].items() if v is not None}
    per_create = ", ".join(f"{k} {v}" for k, v in costs.items()) or "n/a"
    total_ms = sum(costs.values())
    lines = [
        f"create_tickets benchmark, run {document['run_id']} at {document['started']}",
        f"machine   {m['cpu']}; {m['cores']} cores ({m['cores_usable']} usable); "
        f"{m['memory_gib']} GiB; Linux {m['kernel']}; Python {m['python']}; "
        f"PostgreSQL {m['postgresql'] or '?'}; RabbitMQ {m['rabbitmq'] or '?'}",
        f"settings  concurrency {s['concurrency']}, {s['duration_s']:g} s measured "
        f"after {s['warmup_s']:g} s warm-up, {s['tenants']} tenant(s), "
        + (
            f"desk started by the bench ({desk})"
            if s["started_desk"]
            else f"desk already running (this shell's env: {desk})"
        )
        + f", client {s['client']} {s['client_version']}, code {s['code']}",
        f"creates   {f['creates']} in {s['duration_s']:g} s = "
        f"{f['creates_per_s']:.1f} creates/s (per second: min "
        f"{f['creates_per_s_each_second']['min']}, max "
        f"{f['creates_per_s_each_second']['max']})",
        f"latency   p50 {_fmt(lat['p50'])} ms, p95 {_fmt(lat['p95'])} ms, "
        f"p99 {_fmt(lat['p99'])} ms, max {_fmt(lat['max'])} ms "
        "(client-side, POST /v1/tickets via the gateway)",
        f"errors    {errors or 'none'} (of {f['requests']} requests in the window)",
        *(f"          first {k}: {v}" for k, v in f["error_samples"].items()),
        f"events    {DELAY_DEFINITION}",
        f"          delay p50 {_fmt(ev['delay_ms']['p50'])} ms, "
        f"p95 {_fmt(ev['delay_ms']['p95'])} ms, p99 {_fmt(ev['delay_ms']['p99'])} "
        f"ms, max {_fmt(ev['delay_ms']['max'])} ms",
        f"          {ev['received_for_them']} events for "
        f"{ev['tickets_created_incl_warmup']} tickets created (warm-up incl.): "
        f"missing {ev['missing']}, duplicated {ev['duplicated']}",
        f"cpu       % of one core in the window: {shares}; "
        f"machine busy {cpu['machine_busy_percent']}%",
        f"          ms of CPU per create: {per_create} (total {total_ms:.1f})",
        "targets   "
        + "; ".join(f"{k}: {marks[v]}" for k, v in document["targets_met"].items()),
    ]
    if document["consumer_connection_lost"]:
        lines.append(
            "note      the consumer lost its RabbitMQ connection (a broker restart?): "
            "the event figures are incomplete"
        )
    if not document["desk_ready_after_load"]:
        lines.append("note      the desk did not answer /readyz after the load")
    other = cpu["percent_of_one_core"].get("other", 0.0)
    if other > 10:
        lines.append(
            f"note      other processes used {other}% of one core in the window: "
            "the figures are perturbed"
        )
    return "\n".join(lines)


# --- orchestration ------------------------------------------------------------------


def _desk_env(options: Options) -> dict[str, str]:
    """This environment, with the venv's commands first (``supportdesk up`` finds
    ``desk-*`` on PATH) and, for a desk the bench starts, the log level."""
    env = os.environ.copy()
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    if options.start:
        env["DESK_LOG_LEVEL"] = options.log_level
    return env


def _shown_env(env: dict[str, str]) -> dict[str, str]:
    """The settings that shape the desk's performance, secrets left out."""
    gateway, tickets = GatewaySettings(), TicketsSettings()
    shown = {
        "DESK_GATEWAY_WORKERS": str(gateway.gateway_workers),
        "DESK_TICKETS_WORKERS": str(tickets.tickets_workers),
        "DESK_LOG_LEVEL": env.get("DESK_LOG_LEVEL", tickets.log_level),
    }
    for key, value in sorted(env.items()):
        if key.startswith("DESK_") and not any(
            word in key for word in ("SECRET", "URL", "PASSWORD")
        ):
            shown.setdefault(key, value)
    return shown


def listening_pid(port: int) -> int | None:
    """A process that listens on 127.0.0.1:``port`` (IPv4), found through /proc."""
    inodes = set()
    with contextlib.suppress(OSError):
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[1].endswith(f":{port:04X}"):
                inodes.add(f"socket:[{fields[9]}]")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in os.scandir(f"/proc/{entry.name}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(fd.path) in inodes:
                        return int(entry.name)
    return None


def running_desk_root(port: int) -> int | None:
    """The ``supportdesk up`` whose gateway listens on ``port``, if it is one:
    other desks on the machine (tests, say) are then not counted as this one."""
    pid = listening_pid(port)
    for _ in range(4):
        if pid is None or (found := _stat(pid)) is None:
            return None
        if "/supportdesk up" in _cmdline(pid):
            return pid
        pid = found[0]
    return None


@contextlib.contextmanager
def running_desk(options: Options, url: str, log_path: Path) -> Iterator[int | None]:
    """The pid of the desk's ``supportdesk up`` (None if not known)."""
    if not options.start:
        if not answers_ready(url):
            raise RuntimeError(f"--no-start, but {url}/readyz does not answer 200")
        yield running_desk_root(GatewaySettings().gateway_port)
        return
    if answers_ready(url):
        raise RuntimeError(f"a desk already answers at {url}; use --no-start")
    print(f"starting the desk (log: {log_path}) ...", flush=True)
    desk = start_desk(url, log_path, _desk_env(options))
    try:
        yield desk.pid
    finally:
        print("stopping the desk ...", flush=True)
        stop_desk(desk)


def _receive(pipe: Connection, timeout: float, what: str) -> tuple[Any, ...]:
    if not pipe.poll(timeout):
        raise RuntimeError(f"no {what} within {timeout:.0f} s")
    message: tuple[Any, ...] = pipe.recv()
    if message[0] == "failed":
        raise RuntimeError(f"{what}: the child process failed: {message[1]}")
    return message


def run(options: Options) -> dict[str, Any]:
    settings = ServiceSettings()
    url = f"http://{GatewaySettings().gateway_host}:{GatewaySettings().gateway_port}"
    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    run_id = uuid.uuid4().hex[:8]
    RESULTS.mkdir(parents=True, exist_ok=True)
    env = _desk_env(options)
    machine = machine_info()
    code = code_version()  # what the desk will load, before it starts
    machine["postgresql"] = asyncio.run(postgres_version(settings))
    spawn = multiprocessing.get_context("spawn")
    children: list[multiprocessing.process.BaseProcess] = []
    try:
        log_path = RESULTS / f"create_tickets-{stamp}.desk.log"
        with running_desk(options, url, log_path) as desk:
            tenants = [f"bench-{run_id}-{i}" for i in range(options.tenants)]
            print(f"registering {len(tenants)} tenant(s) ...", flush=True)
            tokens = [mint_token(t, env) for t in tenants]

            events_pipe, consumer_end = spawn.Pipe()
            consumer = spawn.Process(
                target=consumer_process,
                args=(settings.amqp_url.get_secret_value(), tenants, consumer_end),
                name="bench-consumer",
            )
            consumer.start()
            children.append(consumer)
            _, machine["rabbitmq"] = _receive(events_pipe, 60, "consumer start")

            load_pipe, load_end = spawn.Pipe()
            load = spawn.Process(
                target=load_process,
                args=(url, tokens, options, load_end),
                name="bench-load",
            )
            print(
                f"loading: {options.concurrency} workers, {options.warmup:g} s "
                f"warm-up + {options.duration:g} s ...",
                flush=True,
            )
            load.start()
            children.append(load)
            own = {os.getpid(): "bench", consumer.pid or 0: "bench-consumer"}
            own[load.pid or 0] = "bench-load"
            _receive(load_pipe, options.warmup + 120, "start of the window")
            before = CpuSample.take(own, desk)
            window_start = time.monotonic()
            _receive(load_pipe, options.duration + 120, "end of the window")
            after = CpuSample.take(own, desk)
            window = time.monotonic() - window_start
            result = LoadResult(**_receive(load_pipe, 120, "load results")[1])
            load.join(30)
            desk_ready_after = answers_ready(url)

            ids = [t for t in result.ticket_id if t is not None]
            events_pipe.send(("expect", ids, options.drain_timeout))
            _, events, foreign, consumer_lost = _receive(
                events_pipe, options.drain_timeout + 60, "events"
            )
            consumer.join(30)
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
                child.join(10)

    figures = summarise(options, result, events, foreign)
    document: dict[str, Any] = {
        "benchmark": "create_tickets",
        "run_id": run_id,
        "started": started.isoformat(timespec="seconds"),
        "machine": machine,
        "settings": {
            "concurrency": options.concurrency,
            "duration_s": options.duration,
            "warmup_s": options.warmup,
            "tenants": options.tenants,
            "started_desk": options.start,
            "gateway_url": url,
            "desk_env": _shown_env(env),
            "client": options.client,
            "client_version": (
                aiohttp.__version__
                if options.client == "aiohttp"
                else httpx.__version__
            ),
            "code": code,
        },
        "desk_ready_after_load": desk_ready_after,
        "consumer_connection_lost": consumer_lost,
        "figures": figures,
        "cpu": cpu_report(before, after, window, figures["creates"]),
        "targets": TARGETS,
    }
    document["targets_met"] = verdicts(figures)
    path = RESULTS / f"create_tickets-{stamp}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    document["written_to"] = str(path)
    return document


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    document = run(options)
    print()
    print(report(document))
    print(f"written   {document['written_to']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
