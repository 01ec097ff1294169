"""Benchmark: SLA workers firing a burst of breach points among a million clocks.

    uv run python bench/sla_timers.py [--clocks 1000000] [--burst 60000]
        [--workers 1 2] [--steady-rate 100] [--steady-seconds 20]

It loads ``--clocks`` running clocks into a database of its own
(``desk_sla_bench``, made once and reused while it holds the same number), all
due weeks ahead. Then, for each worker count in ``--workers``:

- burst: ``--burst`` clocks are made due in the same second, a few seconds
  ahead, and that many ``desk-sla-worker`` processes are started (the real
  console script, which fires and relays its own outbox; with ``--relays N``
  the workers only fire and N ``desk-sla-relay`` processes publish). A consumer bound to
  ``sla.breached.v1`` receives the events.
  * fired/s: points stamped fired and committed with their outbox rows, per
    second, from the due second to the last commit (polled every 50 ms);
  * published within: from the due second until the last event was received;
  * lateness: receive time minus ``due_at``, p50 and p99 over the burst.
- steady: ``--steady-rate`` clocks per second come due for ``--steady-seconds``;
  lateness p50/p99 again.

Clocks fired by a run are moved weeks ahead again before the next one.
"""

import argparse
import asyncio
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
from desk_infra.db import asyncpg_dsn
from desk_sla.config import SlaSettings
from desk_sla.entrypoints.main import migrate
from helpdesk_contracts.routing import EVENTS_EXCHANGE

DATABASE = "desk_sla_bench"
RESULTS = Path(__file__).resolve().parent / "results"
TARGETS = {
    "fired_per_s_one_worker": 10_000,
    "burst_published_s": 10.0,
    "steady_lateness_p99_s": 1.0,
}


def machine() -> str:
    cpus = os.cpu_count()
    memory = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f", {int(line.split()[1]) // 1024 // 1024} GiB"
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{platform.node()}: {cpus} cores{memory}, {model}, "
        f"Python {platform.python_version()}"
    )


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


LOAD = """
INSERT INTO sla_definition_snapshots (id, tenant_id, definition_id,
    definition_version, name, body, calendar)
VALUES ('00000000-0000-4000-8000-000000000001', 'bench', gen_random_uuid(), 1,
    'Bench breach', $1::jsonb, NULL)
ON CONFLICT DO NOTHING;
"""

LOAD_TICKETS = """
INSERT INTO sla_tickets (ticket_id, tenant_id, reference, subject, priority)
SELECT ('00000000-0000-4000-9000-' || lpad(to_hex(n), 12, '0'))::uuid,
       'bench-' || (n % 10), 'SR-2026-' || n, 'Overnight ticket ' || n, 'medium'
FROM generate_series(1, $1) AS n
"""

LOAD_CLOCKS = """
INSERT INTO sla_clocks (id, tenant_id, ticket_id, snapshot_id, definition_id,
    manual, attached_version, attached_at, warning_budget, breach_budget, phase,
    running_since, breach_due_at, next_due_at, version)
SELECT gen_random_uuid(), 'bench-' || (n % 10),
       ('00000000-0000-4000-9000-' || lpad(to_hex(n), 12, '0'))::uuid,
       '00000000-0000-4000-8000-000000000001', gen_random_uuid(), false, 1,
       now(), NULL, 3600, 'running', now(),
       now() + interval '30 days' + n * interval '1 second',
       now() + interval '30 days' + n * interval '1 second', 1
FROM generate_series(1, $1) AS n
"""

BODY = json.dumps(
    {
        "breach": {"value": 1, "unit": "hour", "colour": "#d32f2f"},
        "breach_template": "{{ ticket.reference }} breached",
        "notify": {"primary_assignee": True},
        "on_breach": [],
        "complete_when": ["resolved", "closed"],
        "pause_when": ["pending"],
    }
)


async def load(dsn: str, clocks: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        held = await conn.fetchval("SELECT count(*) FROM sla_clocks")
        if held == clocks:
            print(f"reusing {held} clocks in {DATABASE}")
            return
        started = time.monotonic()
        await conn.execute("TRUNCATE sla_clocks, sla_tickets, sla_definition_snapshots")
        await conn.execute(LOAD, BODY)
        await conn.execute(LOAD_TICKETS, clocks)
        await conn.execute(LOAD_CLOCKS, clocks)
        await conn.execute("VACUUM ANALYZE sla_clocks")
        await conn.execute("VACUUM ANALYZE sla_tickets")
        print(f"loaded {clocks} clocks in {time.monotonic() - started:.0f} s")
    finally:
        await conn.close()


async def schedule(
    dsn: str, count: int, first_due: datetime, rate: float | None
) -> None:
    """Make ``count`` clocks due: all at ``first_due`` or ``rate`` per second after."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            """
            WITH chosen AS (
                SELECT id, row_number() OVER () - 1 AS i FROM sla_clocks
                WHERE breach_fired_at IS NULL
                  AND next_due_at > now() + interval '1 day'
                LIMIT $1
            )
            , due AS (
                SELECT id, $2::timestamptz + CASE WHEN $3::float8 IS NULL
                    THEN interval '0'
                    ELSE i / $3::float8 * interval '1 second' END AS at
                FROM chosen
            )
            UPDATE sla_clocks AS k SET breach_due_at = due.at, next_due_at = due.at
            FROM due WHERE k.id = due.id
            """,
            count,
            first_due,
            rate,
        )
    finally:
        await conn.close()


async def rearm(dsn: str) -> None:
    """Put fired clocks weeks ahead again, for the next run."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            """
            UPDATE sla_clocks SET breach_fired_at = NULL,
                breach_due_at = now() + interval '60 days',
                next_due_at = now() + interval '60 days'
            WHERE breach_fired_at IS NOT NULL OR next_due_at < now() + interval '1 day'
            """
        )
        await conn.execute("DELETE FROM outbox")
        await conn.execute("VACUUM ANALYZE sla_clocks")
    finally:
        await conn.close()


class Receiver:
    """Receives ``sla.breached.v1`` and keeps (receive time, due_at) pairs."""

    def __init__(self, amqp_url: str) -> None:
        self.amqp_url = amqp_url
        self.seen: list[tuple[float, float]] = []
        self._connection: Any = None

    async def start(self) -> None:
        self._connection = await aio_pika.connect(self.amqp_url)
        channel, exchange = await self._events_exchange()
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, "sla.breached.v1")
        await queue.consume(self._on_message, no_ack=True)

    async def _events_exchange(
        self,
    ) -> tuple[aio_pika.abc.AbstractChannel, aio_pika.abc.AbstractExchange]:
        """The events exchange, once a worker has declared it: workers start
        slower than the bench's fixed wait on a loaded machine, and a missing
        exchange closes the channel that asked."""
        for _ in range(120):
            channel = await self._connection.channel()
            try:
                exchange = await channel.get_exchange(EVENTS_EXCHANGE)
            except aio_pika.exceptions.ChannelNotFoundEntity:
                await asyncio.sleep(0.5)
                continue
            await channel.set_qos(prefetch_count=2000)
            return channel, exchange
        raise RuntimeError(f"no worker declared {EVENTS_EXCHANGE} within 60 s")

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        received = time.time()
        due = json.loads(message.body)["data"]["due_at"]
        self.seen.append((received, datetime.fromisoformat(due).timestamp()))

    async def stop(self) -> None:
        if self._connection is not None:
            await self._connection.close()


def start_workers(
    count: int, relays: int, env: dict[str, str]
) -> list[subprocess.Popen[bytes]]:
    """``count`` workers; with ``relays``, that many relays publish instead."""
    worker = str(Path(sys.executable).with_name("desk-sla-worker"))
    relay = str(Path(sys.executable).with_name("desk-sla-relay"))
    env = {**env, "DESK_SLA_WORKER_RELAY": "false" if relays else "true"}
    return [
        subprocess.Popen([command], env=env, stdout=subprocess.DEVNULL)
        for command in [worker] * count + [relay] * relays
    ]


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()


async def run_case(
    dsn: str, amqp_url: str, env: dict[str, str], workers: int, args: argparse.Namespace
) -> dict[str, Any]:
    await rearm(dsn)
    receiver = Receiver(amqp_url)
    processes = start_workers(workers, args.relays, env)
    try:
        await asyncio.sleep(4)  # the workers migrate, declare the exchanges, start
        await receiver.start()
        due = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0)
        await schedule(dsn, args.burst, due, None)
        commits: list[tuple[float, int]] = []
        deadline = time.time() + 120
        conn = await asyncpg.connect(dsn)
        try:
            while time.time() < deadline:
                # Counted from the due-time index, which firing empties: a count
                # of fired stamps would scan the million clocks every 50 ms.
                waiting = await conn.fetchval(
                    "SELECT count(*) FROM sla_clocks WHERE next_due_at <= $1", due
                )
                fired = args.burst - int(waiting)
                commits.append((time.time(), fired))
                if fired >= args.burst and len(receiver.seen) >= args.burst:
                    break
                await asyncio.sleep(0.05)
        finally:
            await conn.close()
        burst = list(receiver.seen)
        all_fired = next((t for t, n in commits if n >= args.burst), commits[-1][0])
        fired_seconds = all_fired - due.timestamp()
        published_seconds = (
            max(r for r, _ in burst) - due.timestamp() if burst else None
        )
        lateness = [r - d for r, d in burst]
        figures: dict[str, Any] = {
            "workers": workers,
            "separate_relays": args.relays,
            "burst": args.burst,
            "fired": commits[-1][1],
            "received": len(burst),
            "fired_per_s": args.burst / fired_seconds if fired_seconds > 0 else None,
            "all_fired_after_s": fired_seconds,
            "all_published_after_s": published_seconds,
            "burst_lateness_p50_s": percentile(lateness, 50),
            "burst_lateness_p99_s": percentile(lateness, 99),
        }
        receiver.seen.clear()
        if args.steady_seconds > 0:
            count = int(args.steady_rate * args.steady_seconds)
            first = datetime.now(UTC) + timedelta(seconds=3)
            await schedule(dsn, count, first, args.steady_rate)
            await asyncio.sleep(3 + args.steady_seconds + 3)
            steady = [r - d for r, d in receiver.seen]
            figures.update(
                steady_rate=args.steady_rate,
                steady_received=len(steady),
                steady_expected=count,
                steady_lateness_p50_s=percentile(steady, 50),
                steady_lateness_p99_s=percentile(steady, 99),
            )
        return figures
    finally:
        stop_workers(processes)
        await receiver.stop()


def targets_met(runs: list[dict[str, Any]]) -> dict[str, bool | None]:
    """Each target of ``TARGETS`` met or not, None where no run measured it."""
    one = next((r for r in runs if r["workers"] == 1), None)
    fired = None if one is None else one["fired_per_s"]
    published = [r["all_published_after_s"] for r in runs]
    steady = [r["steady_lateness_p99_s"] for r in runs if "steady_lateness_p99_s" in r]
    return {
        "fired_per_s_one_worker": (
            None if fired is None else fired >= TARGETS["fired_per_s_one_worker"]
        ),
        "burst_published_s": all(
            p is not None and p <= TARGETS["burst_published_s"] for p in published
        ),
        "steady_lateness_p99_s": (
            all(p < TARGETS["steady_lateness_p99_s"] for p in steady)
            if steady
            else None
        ),
    }


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clocks", type=int, default=1_000_000)
    parser.add_argument("--burst", type=int, default=60_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--relays",
        type=int,
        default=0,
        help="run this many desk-sla-relay processes; workers then do not relay",
    )
    parser.add_argument("--steady-rate", type=float, default=100.0)
    parser.add_argument("--steady-seconds", type=float, default=20.0)
    args = parser.parse_args(argv)

    settings = SlaSettings(sla_database=DATABASE)
    await migrate(settings)
    dsn = asyncpg_dsn(settings, DATABASE)
    await load(dsn, args.clocks)
    with isolated_vhost(settings.amqp_url.get_secret_value()) as amqp_url:
        return await measure(dsn, amqp_url, args)


@contextlib.contextmanager
def isolated_vhost(amqp_url: str) -> Iterator[str]:
    """A RabbitMQ virtual host of the run's own, deleted afterwards: the burst's
    events must not pile up in the queues of a desk that shares the broker."""
    vhost = f"desk-slabench-{os.getpid()}"
    user = amqp_url.split("//", 1)[1].split(":", 1)[0]
    rabbitmqctl("add_vhost", vhost)
    try:
        rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
        yield amqp_url.rstrip("/") + "/" + vhost
    finally:
        rabbitmqctl("delete_vhost", vhost)


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True)


async def measure(dsn: str, amqp_url: str, args: argparse.Namespace) -> int:
    env = {
        **os.environ,
        "DESK_AMQP_URL": amqp_url,
        "DESK_SLA_DATABASE": DATABASE,
        "DESK_LOG_LEVEL": "WARNING",
    }
    print(f"machine   {machine()}")
    print(f"clocks    {args.clocks} running, burst {args.burst} due in one second")
    results = []
    for workers in args.workers:
        figures = await run_case(dsn, amqp_url, env, workers, args)
        results.append(figures)
        print(json.dumps(figures, indent=2, default=str))
    verdicts = targets_met(results)
    print(f"machine   {machine()}")
    print("targets   " + "; ".join(f"{k}: {v}" for k, v in verdicts.items()))
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"sla_timers-{stamp}.json").write_text(
        json.dumps(
            {"machine": machine(), "runs": results, "targets_met": verdicts},
            indent=2,
            default=str,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
