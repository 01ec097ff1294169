"""Notifications delivered per second to a local SMTP server, by one and two workers.

    uv run python bench/notifications.py [--events 4000]

Each event is an internal comment that mentions one of 50 users: one email and one
in-app row per event. The events are queued first; then ``desk-notifications-worker``
processes start and the clock runs from the first mail the sink (aiosmtpd, in this
process) accepts to the last. Needs PostgreSQL and RabbitMQ on localhost; uses the
databases ``desk_tickets_bench`` and ``desk_notifications_bench``, and its own
RabbitMQ virtual host (made with ``rabbitmqctl``), so that other processes' events
do not mix in (target: 1,000 mails/s with two workers). The figures are printed
and written as JSON to ``bench/results/``.
"""

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import aio_pika
import httpx
import uvicorn
from aiosmtpd.smtp import SMTP, Envelope, Session
from desk_infra.broker import create_broker, declare_consumer_topology
from desk_notifications.config import NotificationsSettings
from desk_notifications.entrypoints.consumers import consumers
from desk_notifications.entrypoints.main import migrate
from desk_tickets.config import TicketsSettings
from desk_tickets.entrypoints.main import create_app
from desk_tickets.entrypoints.main import migrate as migrate_tickets
from helpdesk_contracts import Envelope as Event
from helpdesk_contracts.routing import EVENTS_EXCHANGE
from helpdesk_contracts.tickets.v1 import Actor, TicketCommentAdded
from helpdesk_contracts.vocabulary import ActorKind

TARGET_PER_S = 1000
USERS = 50
TICKETS_DB = "desk_tickets_bench"
NOTIFICATIONS_DB = "desk_notifications_bench"
VHOST = "desk-bench-notifications"
RESULTS = Path(__file__).resolve().parent / "results"


class CountingSink:
    """An SMTP handler that counts what it accepts and when."""

    def __init__(self) -> None:
        self.count = 0
        self.first = 0.0
        self.last = 0.0

    async def handle_DATA(  # the name aiosmtpd calls
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        now = time.perf_counter()
        if self.count == 0:
            self.first = now
        self.count += 1
        self.last = now
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def serve_tickets(port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    settings = TicketsSettings(tickets_database=TICKETS_DB)
    await migrate_tickets(settings)
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_config=None
    )
    server = uvicorn.Server(config)
    task = asyncio.get_running_loop().create_task(server.serve())
    while True:
        if server.started:
            return server, task
        await asyncio.sleep(0.05)


async def seed(tickets_url: str) -> str:
    tenant = f"bench-{uuid.uuid4().hex[:8]}"
    entries = [
        {"id": f"u{i}", "name": f"User {i}", "email": f"u{i}@{tenant}.test"}
        for i in range(USERS)
    ]
    headers = {"x-desk-tenant": tenant, "x-desk-user": "a", "x-desk-kind": "operator"}
    async with httpx.AsyncClient(base_url=tickets_url) as client:
        answer = await client.put(
            f"/v1/admin/tenants/{tenant}", json={"name": tenant, "modules": ["support"]}
        )
        answer.raise_for_status()
        answer = await client.put(
            "/v1/admin/directory/users", json={"entries": entries}, headers=headers
        )
        answer.raise_for_status()
    return tenant


def mention(tenant: str, n: int) -> Event[TicketCommentAdded]:
    olga = Actor(id="olga", kind=ActorKind.OPERATOR)
    ticket = uuid.uuid4()
    data = TicketCommentAdded(
        ticket_id=ticket,
        reference=f"SR-2026-{n:05d}",
        actor=olga,
        comment_id=uuid.uuid4(),
        author=olga,
        body="Could you have a look at this one?",
        internal=True,
        mentions=[f"u{n % USERS}"],
        requester_id="rita",
        subject="Printer jammed",
        created_at=datetime.now(UTC),
    )
    return Event.wrap(
        data,
        source="bench",
        tenant_id=tenant,
        aggregate_id=str(ticket),
        aggregate_version=1,
    )


def bench_vhost() -> str:
    """The AMQP URL of the bench's own virtual host, made if missing."""
    for command in (
        ["rabbitmqctl", "add_vhost", VHOST],
        ["rabbitmqctl", "set_permissions", "-p", VHOST, "guest", ".*", ".*", ".*"],
    ):
        subprocess.run(command, capture_output=True, check=False)
    return f"amqp://guest:guest@127.0.0.1:5672/{VHOST}"


async def declare_queues(amqp_url: str) -> None:
    settings = NotificationsSettings(amqp_url=amqp_url)
    broker = create_broker(settings, app_id="bench")
    await broker.connect()
    try:
        for consumer in consumers():
            await declare_consumer_topology(broker, consumer.spec)
    finally:
        await broker.stop()


async def purge_and_queue(amqp_url: str, tenant: str, events: int) -> None:
    """Empty the notification queues, then queue ``events`` mentions."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        for consumer in consumers():
            queue = await channel.get_queue(consumer.spec.queue, ensure=True)
            await queue.purge()
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        bodies = [mention(tenant, n) for n in range(events)]
        for start in range(0, events, 500):
            await asyncio.gather(
                *(
                    exchange.publish(
                        aio_pika.Message(
                            e.to_json(),
                            message_id=str(e.id),
                            content_type="application/json",
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                        ),
                        routing_key=e.routing_key,
                    )
                    for e in bodies[start : start + 500]
                )
            )


def start_workers(count: int, env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
    command = shutil.which("desk-notifications-worker") or str(
        Path(sys.executable).parent / "desk-notifications-worker"
    )
    return [subprocess.Popen([command], env=env) for _ in range(count)]


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


async def run_once(
    workers: int, events: int, env: dict[str, str], tenant: str, sink: CountingSink
) -> "Run":
    """Queue ``events``, start ``workers``; measure until the last mail arrives."""
    await purge_and_queue(env["DESK_AMQP_URL"], tenant, events)
    sink.count = 0
    started = time.perf_counter()
    processes = start_workers(workers, env)
    try:
        deadline = started + 90
        cpu_at_first: float | None = None
        while sink.count < events and time.perf_counter() < deadline:
            if any(p.poll() is not None for p in processes):
                raise RuntimeError("a worker exited")
            if cpu_at_first is None and sink.count:
                cpu_at_first, count_at_first = workers_cpu(processes), sink.count
                own_at_first = time.process_time()
            await asyncio.sleep(0.01)
        assert cpu_at_first is not None
        cpu = workers_cpu(processes) - cpu_at_first
        own = time.process_time() - own_at_first
    finally:
        await asyncio.to_thread(stop_workers, processes)
    if sink.count < events:
        raise RuntimeError(f"only {sink.count} of {events} mails arrived in time")
    span = sink.last - sink.first
    measured = events - count_at_first
    return Run(
        (events - 1) / span,
        sink.last - started,
        measured / cpu,
        own / measured * 1000,
    )


@dataclass(frozen=True)
class Run:
    rate: float
    """Mails per second, first to last mail."""
    drained: float
    """Seconds from starting the workers to the last mail (start-up included)."""
    per_cpu_second: float
    """Mails per second of CPU the workers used, from the first mail to the last."""
    sink_cpu_ms: float
    """CPU milliseconds per mail of this process: the SMTP server, mostly."""


def workers_cpu(processes: list[subprocess.Popen[bytes]]) -> float:
    """User and system CPU time the processes have used so far."""
    total = 0
    for process in processes:
        stat = Path(f"/proc/{process.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def machine() -> str:
    """CPU model, cores, memory, Python and load, on one line."""

    def first(path: str, key: str) -> str | None:
        with open(path) as lines:
            for line in lines:
                name, _, value = line.partition(":")
                if name.strip() == key:
                    return value.strip()
        return None

    memory = first("/proc/meminfo", "MemTotal")
    gib = f"{int(memory.split()[0]) / 1024**2:.1f} GiB" if memory else "unknown"
    cpu = first("/proc/cpuinfo", "model name") or platform.processor()
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{cpu}; {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable); "
        f"{gib} memory; Python {platform.python_version()}; load average {load}"
    )


async def bench(events: int, worker_counts: Sequence[int]) -> None:
    await migrate(NotificationsSettings(notifications_database=NOTIFICATIONS_DB))
    tickets_port, smtp_port = free_port(), free_port()
    tickets, serving = await serve_tickets(tickets_port)
    sink = CountingSink()
    loop = asyncio.get_running_loop()
    smtp = await loop.create_server(lambda: SMTP(sink), "127.0.0.1", smtp_port)
    amqp_url = bench_vhost()
    await declare_queues(amqp_url)
    env = {
        **os.environ,
        "DESK_AMQP_URL": amqp_url,
        "DESK_NOTIFICATIONS_DATABASE": NOTIFICATIONS_DB,
        "DESK_TICKETS_URL": f"http://127.0.0.1:{tickets_port}",
        "DESK_SMTP_HOST": "127.0.0.1",
        "DESK_SMTP_PORT": str(smtp_port),
        "DESK_LOG_LEVEL": "WARNING",
    }
    try:
        tenant = await seed(f"http://127.0.0.1:{tickets_port}")
        figures: dict[str, object] = {"machine": machine(), "events": events}
        print(f"machine   {figures['machine']}")
        print(f"events    {events} internal-note mentions: 1 email + 1 inbox row each")
        print(
            f"{'workers':>7} {'mails/s':>9} {'drained in':>11} {'mails/cpu-s':>12} "
            f"{'sink ms/mail':>13}"
        )
        for count in worker_counts:
            run = await run_once(count, events, env, tenant, sink)
            mark = "" if count < 2 or run.rate >= TARGET_PER_S else "  BELOW TARGET"
            print(
                f"{count:>7} {run.rate:>9.0f} {run.drained:>10.1f}s "
                f"{run.per_cpu_second:>12.0f} {run.sink_cpu_ms:>13.2f}{mark}"
            )
            figures[f"workers_{count}"] = asdict(run)
        figures["load_after"] = os.getloadavg()
        print(f"load      {' '.join(f'{v:.2f}' for v in os.getloadavg())} after")
        RESULTS.mkdir(exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        written = RESULTS / f"notifications-{stamp}.json"
        written.write_text(json.dumps(figures, indent=2))
        print(f"written   {written}")
    finally:
        smtp.close()
        await smtp.wait_closed()
        tickets.should_exit = True
        await serving


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    asyncio.run(bench(args.events, args.workers))


if __name__ == "__main__":
    main()
