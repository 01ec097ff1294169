"""The notifications worker against real PostgreSQL, RabbitMQ, tickets and SMTP.

The tickets service runs in-process on a free port (the worker asks it who people
are), mail-ingest on another (where replies go); an aiosmtpd server on a third
takes the mail.
"""

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

import aio_pika
import httpx
import pytest
import uvicorn
from desk_infra.broker import EVENTS
from desk_mail_ingest.config import MailSettings
from desk_mail_ingest.entrypoints.main import create_app as create_mail_app
from desk_mail_ingest.entrypoints.main import migrate as migrate_mail
from desk_notifications.config import NotificationsSettings
from desk_notifications.entrypoints.main import migrate
from desk_notifications.entrypoints.worker import Worker
from desk_tickets.config import TicketsSettings
from desk_tickets.entrypoints.main import create_app
from desk_tickets.entrypoints.main import migrate as migrate_tickets
from fastapi import FastAPI
from helpdesk_contracts import Envelope
from helpdesk_contracts.envelope import new_event_id
from helpdesk_contracts.routing import dead_letter_queue
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.conftest import ROOT, free_port, unique
from tests.service.infra.support import eventually, until
from tests.service.notifications.sink import Sink, start_sink

TICKETS_DB = "desk_tickets_test"
NOTIFICATIONS_DB = "desk_notifications_test"
MAIL_DB = "desk_mail_test"


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """Serve ``app`` on a free port while the block runs; its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await within(10.0, lambda: bool(server.started))
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture(scope="session")
async def tickets_url(servers: dict[str, str]) -> AsyncIterator[str]:
    settings = TicketsSettings(tickets_database=TICKETS_DB)
    await migrate_tickets(settings)
    async with serving(create_app(settings)) as url:
        yield url


def mail_settings() -> MailSettings:
    """mail-ingest's HTTP API alone: no SMTP listener, no IMAP polling."""
    return MailSettings(
        mail_database=MAIL_DB,
        mail_smtp_enabled=False,
        mail_imap_enabled=False,
        blob_url=f"file://{ROOT / 'var' / 'test-blobs'}",
    )


@pytest.fixture(scope="session")
async def mail_url(servers: dict[str, str]) -> AsyncIterator[str]:
    settings = mail_settings()
    await migrate_mail(settings)
    async with serving(create_mail_app(settings)) as url:
        yield url


@pytest.fixture(scope="session")
async def sink_and_port() -> AsyncIterator[tuple[Sink, int]]:
    port = free_port()
    sink, server = await start_sink(port)
    yield sink, port
    server.close()
    await server.wait_closed()


@pytest.fixture
def sink(sink_and_port: tuple[Sink, int]) -> Sink:
    found = sink_and_port[0]
    found.refuse, found.stall = 0, 0.0
    return found


@pytest.fixture(scope="session")
async def settings(
    tickets_url: str, mail_url: str, sink_and_port: tuple[Sink, int]
) -> NotificationsSettings:
    os.environ["DESK_NOTIFICATIONS_DATABASE"] = NOTIFICATIONS_DB
    settings = NotificationsSettings(
        notifications_database=NOTIFICATIONS_DB,
        tickets_url=tickets_url,
        mail_url=mail_url,
        smtp_port=sink_and_port[1],
        smtp_timeout=1.0,
        recipients_cache_seconds=0.0,
        reply_address_cache_seconds=0.0,
        mail_domain="desk.test",
        notifications_queues=unique("notifications-test"),
    )
    await migrate(settings)
    return settings


@pytest.fixture(scope="session")
async def worker(settings: NotificationsSettings) -> AsyncIterator[Worker]:
    running = Worker(settings)
    await running.start()
    yield running
    await running.stop()
    await delete_queues(running)


async def delete_queues(worker: Worker) -> None:
    """This run's queues: their names are its own, nobody else will use them."""
    connection = await aio_pika.connect(
        worker.runtime.settings.amqp_url.get_secret_value()
    )
    async with connection:
        channel = await connection.channel()
        for consumer in worker.consumers:
            spec = consumer.spec
            retries = [queue.name for queue in spec.retry_queues()]
            for name in (spec.queue, dead_letter_queue(spec.queue), *retries):
                await channel.queue_delete(name)


@pytest.fixture(scope="session")
async def notifications_db(
    settings: NotificationsSettings,
) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(settings.database_url(NOTIFICATIONS_DB))
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def tickets_db(settings: NotificationsSettings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(settings.database_url(TICKETS_DB))
    yield engine
    await engine.dispose()


class Tenant:
    """A fresh tenant with users (addresses ``<user>@<tenant>.test``), teams and
    mailboxes."""

    def __init__(
        self, tickets_url: str, tickets_db: AsyncEngine, mail_url: str = ""
    ) -> None:
        self.id = unique("t")
        self._url = tickets_url
        self._db = tickets_db
        self._mail_url = mail_url

    def email(self, user: str) -> str:
        return f"{user}@{self.id}.test"

    async def create(self, users: list[str]) -> None:
        headers = {
            "x-desk-tenant": self.id,
            "x-desk-user": "admin",
            "x-desk-kind": "operator",
        }
        entries = [{"id": u, "name": u.title(), "email": self.email(u)} for u in users]
        async with httpx.AsyncClient(base_url=self._url) as client:
            answer = await client.put(
                f"/v1/admin/tenants/{self.id}",
                json={"name": self.id, "modules": ["support"]},
            )
            assert answer.status_code in (200, 201), answer.text
            answer = await client.put(
                "/v1/admin/directory/users",
                json={"entries": entries},
                headers=headers,
            )
            assert answer.status_code == 200, answer.text

    async def team(self, name: str, members: list[str]) -> str:
        """A team, written straight into the tickets database (arrange step)."""
        async with self._db.begin() as conn:
            team_id = (
                await conn.execute(
                    text(
                        "INSERT INTO teams (id, tenant_id, name) "
                        "VALUES (gen_random_uuid(), :t, :n) RETURNING id::text"
                    ),
                    {"t": self.id, "n": name},
                )
            ).scalar_one()
            for member in members:
                await conn.execute(
                    text(
                        "INSERT INTO team_members (tenant_id, team_id, user_id) "
                        "VALUES (:t, CAST(:team AS uuid), :u)"
                    ),
                    {"t": self.id, "team": team_id, "u": member},
                )
        return str(team_id)

    async def mailbox(self, name: str, reply: bool = False) -> str:
        """A mailbox ``<name>@<tenant>.example`` in mail-ingest; its address."""
        address = f"{name}@{self.id}.example"
        async with httpx.AsyncClient(base_url=self._mail_url) as client:
            answer = await client.put(
                f"/v1/mail/mailboxes/{address}",
                json={"reply": reply},
                headers={"x-desk-tenant": self.id},
            )
        assert answer.status_code in (200, 201), answer.text
        return address


@pytest.fixture
async def tenant(tickets_url: str, tickets_db: AsyncEngine, mail_url: str) -> Tenant:
    found = Tenant(tickets_url, tickets_db, mail_url)
    await found.create(["olga", "nils", "nora", "rita", "bob"])
    return found


@pytest.fixture
async def publish(worker: Worker) -> Any:
    """Publish an event on ``helpdesk.events`` as a relay would."""
    broker = worker.runtime.broker

    async def send(envelope: Envelope[Any]) -> None:
        await broker.publish(
            envelope.to_json(),
            exchange=EVENTS,
            routing_key=envelope.routing_key,
            persist=True,
            message_id=str(envelope.id),
            content_type="application/json",
        )

    return send


async def within(seconds: float, condition: Callable[[], bool]) -> None:
    """Wait until ``condition()`` holds; fail after ``seconds``."""
    async with asyncio.timeout(seconds):
        await until(condition)


def for_tenant(envelope: Envelope[Any], tenant: Tenant) -> Envelope[Any]:
    """``envelope`` as a new event of ``tenant``."""
    return envelope.model_copy(update={"tenantid": tenant.id, "id": new_event_id()})


async def deliveries(engine: AsyncEngine, tenant: Tenant) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT recipient_id, channel, status, attempts, error "
                "FROM deliveries WHERE tenant_id = :t ORDER BY recipient_id, channel"
            ),
            {"t": tenant.id},
        )
        return [dict(r._mapping) for r in rows]


async def settled_deliveries(
    engine: AsyncEngine, tenant: Tenant, seconds: float = 10
) -> list[dict[str, Any]]:
    """``deliveries`` once none is still ``sending``: the sink holds a mail a
    moment before the worker records it as sent."""
    rows: list[dict[str, Any]] = []

    async def settled() -> bool:
        nonlocal rows
        rows = await deliveries(engine, tenant)
        return all(row["status"] != "sending" for row in rows)

    async with asyncio.timeout(seconds):
        await eventually(settled)
    return rows


async def inbox_of(engine: AsyncEngine, tenant: Tenant, user: str) -> list[str]:
    """The kinds of the user's in-app notifications."""
    return await _inbox_column(engine, tenant, user, "kind")


async def inbox_bodies(engine: AsyncEngine, tenant: Tenant, user: str) -> list[str]:
    """The bodies of the user's in-app notifications."""
    return await _inbox_column(engine, tenant, user, "body")


async def _inbox_column(
    engine: AsyncEngine, tenant: Tenant, user: str, column: Literal["kind", "body"]
) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                f"SELECT {column} FROM notifications"
                " WHERE tenant_id = :t AND user_id = :u"
            ),
            {"t": tenant.id, "u": user},
        )
        return [row[0] for row in rows]
