"""SLA workers as real processes: side by side, one killed mid-burst, each point
published once (a repeat, if a relay dies between confirm and delete, carries the
same event id)."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pika
import pytest
from desk_infra.db import asyncpg_dsn
from desk_sla.config import SlaSettings

from tests.conftest import unique

BURST = 3000


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = str(Path(sys.executable).with_name("desk-sla-worker"))
    return subprocess.Popen([command], env=env, stdout=subprocess.DEVNULL)


@pytest.fixture
def breaches(servers: dict[str, str]) -> Iterator[tuple[Any, str]]:
    connection = pika.BlockingConnection(pika.URLParameters(servers["amqp"]))
    channel = connection.channel()
    queue = unique("test-sla-workers")
    channel.queue_declare(queue, exclusive=True, auto_delete=True)
    channel.queue_bind(queue, "helpdesk.events", routing_key="sla.breached.v1")
    yield channel, queue
    connection.close()


async def _due_clocks(dsn: str, tenant: str, count: int) -> set[str]:
    """``count`` running clocks of ``tenant``, all due a second ago."""
    conn = await asyncpg.connect(dsn)
    snapshot = uuid.uuid4()
    body = {"breach": {"value": 1, "unit": "hour"}, "notify": {}, "on_breach": []}
    try:
        await conn.execute(
            """INSERT INTO sla_definition_snapshots
               (id, tenant_id, definition_id, definition_version, name, body)
               VALUES ($1, $2, gen_random_uuid(), 1, 'Burst', $3::jsonb)""",
            snapshot,
            tenant,
            json.dumps(body),
        )
        rows = await conn.fetch(
            """
            WITH made AS (
                INSERT INTO sla_tickets (ticket_id, tenant_id, reference)
                SELECT gen_random_uuid(), $1, 'SR-2026-' || n
                FROM generate_series(1, $3) AS n
                RETURNING ticket_id
            )
            INSERT INTO sla_clocks (id, tenant_id, ticket_id, snapshot_id,
                definition_id, manual, attached_version, attached_at,
                breach_budget, phase, running_since, breach_due_at, next_due_at)
            SELECT gen_random_uuid(), $1, ticket_id, $2, gen_random_uuid(), false,
                1, now() - interval '1 hour', 3600, 'running',
                now() - interval '1 hour', now() - interval '1 second',
                now() - interval '1 second'
            FROM made
            RETURNING id
            """,
            tenant,
            snapshot,
            count,
        )
    finally:
        await conn.close()
    return {str(row["id"]) for row in rows}


async def test_a_worker_killed_mid_burst_loses_and_repeats_no_point(
    sla_settings: SlaSettings, breaches: tuple[Any, str]
) -> None:
    channel, queue = breaches
    tenant = unique("workers")
    env = {
        **os.environ,
        "DESK_SLA_DATABASE": sla_settings.sla_database,
        "DESK_LOG_LEVEL": "ERROR",
        "DESK_SLA_FIRE_BATCH": "100",
        "DESK_DB_POOL_SIZE": "4",
    }
    workers = [_worker(env), _worker(env)]
    try:
        await asyncio.sleep(3)  # started, migrated, connected
        dsn = asyncpg_dsn(sla_settings, sla_settings.sla_database)
        clocks = await _due_clocks(dsn, tenant, BURST)
        await asyncio.sleep(0.3)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait()
        workers[0] = _worker(env)

        seen: dict[str, list[str]] = {}
        deadline = time.monotonic() + 90
        while len(seen) < BURST and time.monotonic() < deadline:
            method, _, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                await asyncio.sleep(0.05)
                continue
            event = json.loads(body)
            if event["tenantid"] == tenant:
                seen.setdefault(event["data"]["clock_id"], []).append(event["id"])
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(30)

    assert set(seen) == clocks
    assert all(len(set(ids)) == 1 for ids in seen.values())
