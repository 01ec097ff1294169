"""Benchmark: mail handed over SMTP until its ticket exists, in messages per second.

    uv run python bench/mail_ingest.py [--messages 3000] [--connections 48]

Needs ``rabbitmqctl`` (the run gets a RabbitMQ virtual host of its own). Starts
``desk-tickets`` (to register the tenant), ``desk-tickets-worker``,
``desk-mail-ingest`` and ``desk-mail-relay`` as real processes on free ports and
fresh databases, configures one mailbox, then sends ``--messages`` varied messages
(the corpus of ``tests/fixtures/mail``: nested multiparts, HTML only, five charsets,
TNEF, attached messages, replies; each with its own Message-ID and one of 500
senders) over ``--connections`` SMTP sessions at once.

Figures: SMTP accepted/s (the 250 answers: raw kept, row and event committed) and
end-to-end/s (from the first message sent until the tickets worker has applied
every message mail-ingest accepted, as a ticket or a comment), with how many
messages were accepted, ignored or quarantined and how many tickets they made,
printed with the machine and written to ``bench/results/``.
"""

import argparse
import asyncio
import importlib.util
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aio_pika
import aiosmtplib
import asyncpg
import httpx
from desk_infra.db import asyncpg_dsn
from desk_infra.settings import ServiceSettings
from desk_tickets.entrypoints.worker import MAIL_QUEUE
from desk_tickets.service_layer.mail_intake import CONSUMER

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = ROOT / "tests" / "fixtures" / "mail"
RESULTS = HERE / "results"
TICKETING = (
    "nested_multipart.eml",
    "html_only.eml",
    "iso_8859_1_qp.eml",
    "windows_1252_base64.eml",
    "koi8_r.eml",
    "shift_jis.eml",
    "utf8_encoded_words.eml",
    "malformed_headers.eml",
    "missing_message_id.eml",
    "tnef.eml",
    "rfc822_attached.eml",
    "gmail_reply.eml",
    "german_reply.eml",
)
"""Corpus messages that open a ticket (bounces and out-of-office would not)."""

_spec = importlib.util.spec_from_file_location(
    "create_tickets", HERE / "create_tickets.py"
)
assert _spec is not None
assert _spec.loader is not None
create_tickets = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(create_tickets)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def varied(count: int) -> list[bytes]:
    """``count`` messages from the corpus, each with a fresh Message-ID and sender."""
    random.seed(7)
    bases = [(CORPUS / name).read_bytes() for name in TICKETING]
    out = []
    for n in range(count):
        raw = bases[n % len(bases)]
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = [
            line
            for line in head.split(b"\r\n")
            if not line.lower().startswith((b"message-id:", b"from:", b"in-reply-to:"))
        ]
        sender = f"customer{random.randrange(500)}@example.com".encode()
        lines += [
            b"From: Customer <" + sender + b">",
            f"Message-ID: <{uuid.uuid4().hex}@bench.example>".encode(),
        ]
        out.append(b"\r\n".join(lines) + b"\r\n\r\n" + body)
    return out


async def drop_databases(env: dict[str, str]) -> None:
    """Drop the run's two databases: every run makes new ones."""
    settings = ServiceSettings()
    conn = await asyncpg.connect(asyncpg_dsn(settings, "postgres"))
    try:
        for name in (env["DESK_TICKETS_DATABASE"], env["DESK_MAIL_DATABASE"]):
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True)


def isolated_amqp_url(vhost: str) -> str:
    """A fresh virtual host, so no other desk on this broker takes our messages."""
    rabbitmqctl("add_vhost", vhost)
    url = ServiceSettings().amqp_url.get_secret_value()
    user = url.split("//", 1)[1].split(":", 1)[0]
    rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
    return url.rstrip("/") + "/" + vhost


def start(name: str, env: dict[str, str], logs: Path) -> subprocess.Popen[bytes]:
    with (logs / f"mail-bench-{name}.log").open("ab") as log:
        return subprocess.Popen(
            [str(Path(sys.executable).with_name(name))],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


async def wait_for_queue(amqp_url: str, name: str) -> None:
    connection = await aio_pika.connect(amqp_url)
    try:
        async with asyncio.timeout(90):
            while True:
                channel = await connection.channel()
                try:
                    await channel.declare_queue(name, passive=True)
                    return
                except aio_pika.exceptions.ChannelNotFoundEntity:
                    await asyncio.sleep(0.3)
    finally:
        await connection.close()


def wait_ready(url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if create_tickets.answers_ready(url):
            return
        time.sleep(0.3)
    raise RuntimeError(f"{url} not ready")


async def send_all(
    port: int, to: str, messages: list[bytes], connections: int
) -> tuple[float, int]:
    """Send every message, retrying 4xx answers as an MTA would.

    Returns when the last 250 came back, and how many 4xx answers there were.
    """
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for raw in messages:
        queue.put_nowait(raw)
    deferred = 0

    async def session() -> None:
        nonlocal deferred
        async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=60) as smtp:
            while not queue.empty():
                raw = queue.get_nowait()
                while True:
                    try:
                        await smtp.sendmail("sender@example.com", [to], raw)
                        break
                    except aiosmtplib.SMTPRecipientsRefused as exc:
                        if any(not 400 <= e.code < 500 for e in exc.recipients):
                            raise
                    except aiosmtplib.SMTPResponseException as exc:
                        if not 400 <= exc.code < 500:
                            raise
                    deferred += 1
                    await asyncio.sleep(0.5)

    await asyncio.gather(*(session() for _ in range(connections)))
    return time.monotonic(), deferred


async def tickets_of(conn: asyncpg.Connection, tenant: str) -> int:
    query = "SELECT count(*) FROM tickets WHERE tenant_id = $1"
    return int(await conn.fetchval(query, tenant))


async def fates(mail: asyncpg.Connection) -> dict[str, int]:
    """How many messages mail-ingest recorded, by status."""
    rows = await mail.fetch("SELECT status, count(*) FROM messages GROUP BY status")
    return {row["status"]: int(row["count"]) for row in rows}


async def handled(tickets: asyncpg.Connection) -> int:
    """``mail.received`` events the tickets worker has applied (its inbox rows)."""
    query = "SELECT count(*) FROM inbox WHERE consumer = $1"
    return int(await tickets.fetchval(query, CONSUMER))


async def measure(
    env: dict[str, str], mail_api: str, options: argparse.Namespace
) -> dict[str, Any]:
    tenant = f"bench-{uuid.uuid4().hex[:8]}"
    address = f"support@{tenant}.example"
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.put(
            f"{env['DESK_TICKETS_URL']}/v1/admin/tenants/{tenant}",
            json={"name": tenant, "modules": ["support"]},
        )
        answer.raise_for_status()
        answer = await client.put(
            f"{mail_api}/v1/mail/mailboxes/{address}",
            json={},
            headers={"x-desk-tenant": tenant},
        )
        answer.raise_for_status()
    messages = varied(options.messages)
    dsn = asyncpg_dsn(ServiceSettings(), env["DESK_TICKETS_DATABASE"])
    port = int(env["DESK_MAIL_SMTP_PORT"])

    began = time.monotonic()
    accepted_at, deferred = await send_all(port, address, messages, options.connections)
    # Not every message makes a ticket: replies become comments, automatic mail
    # and duplicates are ignored. The run ends when the worker has applied every
    # message mail-ingest accepted.
    conn = await asyncpg.connect(dsn)
    mail = await asyncpg.connect(
        asyncpg_dsn(ServiceSettings(), env["DESK_MAIL_DATABASE"])
    )
    try:
        recorded = await fates(mail)
        while time.monotonic() - accepted_at < options.timeout:
            if await handled(conn) >= recorded.get("accepted", 0):
                break
            await asyncio.sleep(0.1)
        finished = time.monotonic()
        applied = await handled(conn)
        timed_out = applied < recorded.get("accepted", 0)
        done = await tickets_of(conn, tenant)
    finally:
        await conn.close()
        await mail.close()

    return {
        "messages": len(messages),
        "connections": options.connections,
        "tickets_created": done,
        "fates": recorded,
        "accepted_applied_by_tickets_worker": applied,
        "smtp_deferred_4xx": deferred,
        "smtp_seconds": round(accepted_at - began, 2),
        "smtp_accepted_per_s": round(len(messages) / (accepted_at - began), 1),
        "timed_out": timed_out,
        "end_to_end_seconds": None if timed_out else round(finished - began, 2),
        "end_to_end_per_s": None
        if timed_out
        else round(len(messages) / (finished - began), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=48)
    parser.add_argument("--timeout", type=float, default=60.0)
    options = parser.parse_args()

    run = uuid.uuid4().hex[:6]
    ports = {name: free_port() for name in ("tickets", "mail", "smtp")}
    blobs = tempfile.mkdtemp(prefix="desk-mail-bench-")
    vhost = f"desk-mailbench-{run}"
    env = {
        **os.environ,
        "DESK_AMQP_URL": isolated_amqp_url(vhost),
        "DESK_LOG_LEVEL": "WARNING",
        "DESK_TICKETS_DATABASE": f"desk_tickets_mailbench_{run}",
        "DESK_TICKETS_PORT": str(ports["tickets"]),
        "DESK_TICKETS_URL": f"http://127.0.0.1:{ports['tickets']}",
        "DESK_MAIL_DATABASE": f"desk_mail_bench_{run}",
        "DESK_MAIL_PORT": str(ports["mail"]),
        "DESK_MAIL_SMTP_PORT": str(ports["smtp"]),
        "DESK_MAIL_IMAP_ENABLED": "false",
        "DESK_MAIL_RATE_LIMIT": "1000",
        "DESK_BLOB_URL": f"file://{blobs}",
        # PostgreSQL allows 100 connections for everything on the machine.
        "DESK_DB_POOL_SIZE": os.environ.get("DESK_DB_POOL_SIZE", "12"),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    mail_api = f"http://127.0.0.1:{ports['mail']}"
    processes = [start("desk-tickets", env, RESULTS)]
    try:
        wait_ready(env["DESK_TICKETS_URL"])
        processes.append(start("desk-mail-ingest", env, RESULTS))
        wait_ready(mail_api)
        processes += [
            start("desk-mail-relay", env, RESULTS),
            start("desk-tickets-worker", env, RESULTS),
        ]
        # An event published before the worker declared its queue would wait in
        # helpdesk.unrouted, never to become a ticket in this run.
        asyncio.run(wait_for_queue(env["DESK_AMQP_URL"], MAIL_QUEUE))
        figures = asyncio.run(measure(env, mail_api, options))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        rabbitmqctl("delete_vhost", vhost)
        asyncio.run(drop_databases(env))
        shutil.rmtree(blobs, ignore_errors=True)
    report = {
        "benchmark": "mail_ingest",
        "machine": create_tickets.machine_info(),
        "load_average": os.getloadavg(),
        "code": create_tickets.code_version(),
        **figures,
    }
    print(json.dumps(report, indent=2))
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    (RESULTS / f"mail_ingest-{stamp}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
