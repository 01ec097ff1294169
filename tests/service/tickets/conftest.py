"""The tickets service in-process, over its internal HTTP API, on a test database."""

import asyncio
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aio_pika
import httpx
import pytest
from desk_tickets.config import TicketsSettings
from desk_tickets.entrypoints.main import create_app, migrate

from tests.conftest import unique

DATABASE = "desk_tickets_test"
ALL = ["support:request:update:all", "support:request:delete:all", "support:internal"]


@pytest.fixture(scope="session")
async def tickets_settings(servers: dict[str, str]) -> TicketsSettings:
    os.environ["DESK_TICKETS_DATABASE"] = DATABASE
    settings = TicketsSettings(tickets_database=DATABASE, tickets_embedded_relay=True)
    await migrate(settings)
    return settings


@pytest.fixture(scope="session")
async def service(
    tickets_settings: TicketsSettings,
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(tickets_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://tickets"
        ) as c:
            yield c


class Caller:
    """Calls the internal API as one user of one tenant."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        tenant: str,
        user: str,
        kind: str = "operator",
        permissions: list[str] | None = None,
    ) -> None:
        self.client = client
        self.tenant = tenant
        self.user = user
        self.headers = {
            "x-desk-tenant": tenant,
            "x-desk-user": user,
            "x-desk-kind": kind,
            "x-desk-permissions": " ".join(ALL if permissions is None else permissions),
        }

    def as_user(
        self, user: str, kind: str = "operator", permissions: list[str] | None = None
    ) -> "Caller":
        return Caller(self.client, self.tenant, user, kind, permissions)

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.client.request(method, path, headers=headers, **kwargs)

    async def post(self, path: str, body: Any) -> httpx.Response:
        return await self.request("POST", path, json=body)

    async def patch(self, path: str, body: Any, **headers: str) -> httpx.Response:
        return await self.request("PATCH", path, json=body, headers=headers)

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.request("GET", path, params=params)

    async def ticket(self, **fields: Any) -> dict[str, Any]:
        body = {"subject": "Heating broken", "description": "Radiator cold", **fields}
        answer = await self.post("/v1/tickets", body)
        assert answer.status_code == 201, answer.text
        return answer.json()  # type: ignore[no-any-return]


async def new_tenant(client: httpx.AsyncClient, users: tuple[str, ...] = ()) -> Caller:
    tenant = unique("t")
    answer = await client.put(
        f"/v1/admin/tenants/{tenant}", json={"name": tenant, "modules": ["support"]}
    )
    assert answer.status_code == 201, answer.text
    caller = Caller(client, tenant, "alice")
    entries = [{"id": u, "name": u.title()} for u in ["alice", *users]]
    answer = await caller.request(
        "PUT", "/v1/admin/directory/users", json={"entries": entries}
    )
    assert answer.status_code == 200, answer.text
    return caller


@pytest.fixture
async def desk(service: httpx.AsyncClient) -> Caller:
    """A fresh tenant with users alice, bob and rita, called as operator alice."""
    return await new_tenant(service, ("bob", "rita"))


class Listener:
    """An outside AMQP client bound to some of the desk's events."""

    def __init__(self, queue: aio_pika.abc.AbstractQueue) -> None:
        self.queue = queue

    async def take(self, count: int) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        async with asyncio.timeout(10):
            while len(got) < count:
                message = await self.queue.get(fail=False)
                if message is None:
                    await asyncio.sleep(0.05)
                    continue
                await message.ack()
                got.append(json.loads(message.body))
        return got

    async def of_tenant(self, tenant: str, count: int) -> list[dict[str, Any]]:
        """The next ``count`` events of ``tenant``, skipping other tenants'."""
        found: list[dict[str, Any]] = []
        while len(found) < count:
            found += [e for e in await self.take(1) if e["tenantid"] == tenant]
        return found


@asynccontextmanager
async def listening(*routing_keys: str) -> AsyncIterator[Listener]:
    """A listener on ``helpdesk.events`` for ``routing_keys``, bound from now on."""
    connection = await aio_pika.connect(os.environ["DESK_AMQP_URL"])
    channel = await connection.channel()
    queue = await channel.declare_queue(unique("test-events"), exclusive=True)
    exchange = await channel.get_exchange("helpdesk.events")
    for routing_key in routing_keys:
        await queue.bind(exchange, routing_key=routing_key)
    try:
        yield Listener(queue)
    finally:
        await connection.close()


@pytest.fixture
async def listener() -> AsyncIterator[Listener]:
    """Every ticket event from the start of the test on."""
    async with listening("ticket.#") as listener:
        yield listener
