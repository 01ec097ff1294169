"""Transactional outbox: events are written with the change, then relayed to RabbitMQ.

Rows are claimed with ``FOR UPDATE SKIP LOCKED`` and a lease token, published
concurrently with publisher confirms, and deleted once confirmed. A NOTIFY (sent by a
trigger when rows are inserted, so only on commit) wakes the relay at once; a poll
timer covers lost notifications. Any number of relays may run against one table.
"""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson
from helpdesk_contracts import Envelope
from helpdesk_contracts.routing import EVENTS_EXCHANGE
from opentelemetry import propagate
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from desk_infra.db import stamped_now

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "desk_outbox"


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("event_type", Text, nullable=False),
        Column("exchange", Text, nullable=False),
        Column("routing_key", Text, nullable=False),
        Column("body", Text, nullable=False),
        Column("headers", JSONB, nullable=False, server_default=text("'{}'")),
        stamped_now("created_at"),
        stamped_now("available_at"),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("lease_token", Uuid),
        Column("leased_until", DateTime(timezone=True)),
        Column("last_error", Text),
        Index("outbox_ready_idx", "available_at", "id"),
    )


# Statements for the migration that creates the table: wake relays on commit and keep
# a table with one insert, update and delete per row vacuumed.
OUTBOX_DDL = (
    f"""
    CREATE OR REPLACE FUNCTION desk_outbox_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('{NOTIFY_CHANNEL}', '');
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION desk_outbox_notify()
    """,
    """
    ALTER TABLE outbox SET (
        autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
        autovacuum_vacuum_cost_delay = 0
    )
    """,
)


def _trace_headers() -> dict[str, str]:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


class Outbox:
    """Writes events into the outbox table inside the caller's transaction."""

    def __init__(self, table: Table) -> None:
        self._table = table

    @property
    def table(self) -> Table:
        return self._table

    def rows(
        self, envelopes: Sequence[Envelope[Any]], exchange: str = EVENTS_EXCHANGE
    ) -> list[dict[str, Any]]:
        """The outbox rows for ``envelopes``, carrying the current trace context."""
        headers = _trace_headers()
        return [
            {
                "event_id": envelope.id,
                "event_type": envelope.type,
                "exchange": exchange,
                "routing_key": envelope.routing_key,
                "body": envelope.to_json().decode(),
                "headers": headers,
            }
            for envelope in envelopes
        ]

    async def add(
        self,
        session: AsyncSession | AsyncConnection,
        envelopes: Sequence[Envelope[Any]],
        exchange: str = EVENTS_EXCHANGE,
    ) -> None:
        if envelopes:
            await session.execute(self._table.insert(), self.rows(envelopes, exchange))


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    event_id: uuid.UUID
    event_type: str
    exchange: str
    routing_key: str
    body: bytes
    headers: dict[str, Any]
    attempts: int


MessagePublisher = Callable[[OutboxMessage], Awaitable[None]]
"""Publishes one message and returns once the broker confirmed it, else raises."""


@dataclass
class RelayStats:
    published: int = 0
    failed: int = 0


class OutboxRelay:
    """Moves outbox rows to the broker; safe to run in many processes at once."""

    def __init__(
        self,
        engine: AsyncEngine,
        table: Table,
        publish: MessagePublisher,
        listen_dsn: str,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        linger: float = 0.005,  # seconds to wait after a wake-up, to batch commits
        lease_seconds: float = 30.0,
        max_backoff: float = 60.0,
    ) -> None:
        self._engine = engine
        self._table = table
        self._publish = publish
        self._listen_dsn = listen_dsn
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._linger = linger
        self._lease_seconds = lease_seconds
        self._max_backoff = max_backoff
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self.stats = RelayStats()

    def stop(self) -> None:
        """Ask ``run`` to return once the batch in hand is settled."""
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        """Relay until stopped or cancelled; errors are logged and retried.

        ``stop`` lets the batch in hand finish, so that a deployment's graceful
        shutdown does not leave published rows leased and republished later.
        """
        listener = asyncio.create_task(self._listen(), name="outbox-listen")
        failures = 0
        try:
            while not self._stopping.is_set():
                try:
                    relayed = await self.relay_batch()
                    failures = 0
                # SQLAlchemy wraps the driver's errors (a lost connection, a
                # failover) in DBAPIError: they reach here as that, not as asyncpg's.
                except (
                    TimeoutError,
                    OSError,
                    asyncpg.PostgresError,
                    DBAPIError,
                ) as exc:
                    failures += 1
                    delay = min(self._max_backoff, 0.5 * 2**failures)
                    log.warning(
                        "outbox relay failed, retrying in %.1fs: %r", delay, exc
                    )
                    await asyncio.sleep(delay)
                    continue
                if relayed < self._batch_size:
                    await self._sleep_until_woken()
        finally:
            listener.cancel()

    async def _sleep_until_woken(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=self._poll_interval)
            # Linger a moment after a wake-up so that one claim takes the rows of
            # several commits: fewer round trips per event under load.
            await asyncio.sleep(self._linger)
        self._wake.clear()

    async def _listen(self) -> None:
        """Keep a LISTEN connection; a lost notification only delays until the poll."""
        while True:
            try:
                conn = await asyncpg.connect(self._listen_dsn)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("outbox listener cannot connect: %r", exc)
                await asyncio.sleep(self._poll_interval)
                continue
            closed = asyncio.Event()
            conn.add_termination_listener(lambda _conn, ev=closed: ev.set())
            await conn.add_listener(NOTIFY_CHANNEL, lambda *_args: self._wake.set())
            try:
                await closed.wait()
            finally:
                await conn.close()

    async def relay_batch(self) -> int:
        """Claim, publish and settle one batch; returns how many rows were claimed."""
        token = uuid.uuid4()
        messages = await self._claim(token)
        if not messages:
            return 0
        results = await asyncio.gather(
            *(self._publish(message) for message in messages), return_exceptions=True
        )
        done = [m.id for m, r in zip(messages, results, strict=True) if r is None]
        failed = [
            (m, r)
            for m, r in zip(messages, results, strict=True)
            if isinstance(r, BaseException)
        ]
        await self._settle(token, done, failed)
        self.stats.published += len(done)
        self.stats.failed += len(failed)
        return len(messages)

    async def _claim(self, token: uuid.UUID) -> list[OutboxMessage]:
        t = self._table.name
        sql = text(
            f"""
            UPDATE {t} SET lease_token = :token,
                leased_until = now() + make_interval(secs => :lease),
                attempts = attempts + 1
            WHERE id IN (
                SELECT id FROM {t}
                WHERE available_at <= now()
                  AND (leased_until IS NULL OR leased_until < now())
                ORDER BY id LIMIT :limit
                FOR UPDATE SKIP LOCKED)
            RETURNING id, event_id, event_type, exchange, routing_key, body, headers,
                attempts
            """
        )
        async with self._engine.begin() as conn:
            rows = await conn.execute(
                sql,
                {
                    "token": token,
                    "lease": self._lease_seconds,
                    "limit": self._batch_size,
                },
            )
            claimed = rows.all()
        return sorted(
            (
                OutboxMessage(
                    id=r.id,
                    event_id=r.event_id,
                    event_type=r.event_type,
                    exchange=r.exchange,
                    routing_key=r.routing_key,
                    body=r.body.encode(),
                    headers=r.headers
                    if isinstance(r.headers, dict)
                    else orjson.loads(r.headers),
                    attempts=r.attempts,
                )
                for r in claimed
            ),
            key=lambda m: m.id,
        )

    async def _settle(
        self,
        token: uuid.UUID,
        done: list[int],
        failed: list[tuple[OutboxMessage, BaseException]],
    ) -> None:
        t = self._table.name
        async with self._engine.begin() as conn:
            if done:
                await conn.execute(
                    text(
                        f"DELETE FROM {t} WHERE id = ANY(:ids) AND lease_token = :token"
                    ),
                    {"ids": done, "token": token},
                )
            for message, error in failed:
                delay = min(self._max_backoff, 2.0 ** min(message.attempts, 16))
                log.warning(
                    "event %s not published (attempt %d), retry in %.0fs: %r",
                    message.event_id,
                    message.attempts,
                    delay,
                    error,
                )
                await conn.execute(
                    text(
                        f"UPDATE {t} SET lease_token = NULL, leased_until = NULL,"
                        " available_at = now() + make_interval(secs => :delay),"
                        " last_error = :error WHERE id = :id AND lease_token = :token"
                    ),
                    {
                        "delay": delay,
                        "error": repr(error)[:2000],
                        "id": message.id,
                        "token": token,
                    },
                )
