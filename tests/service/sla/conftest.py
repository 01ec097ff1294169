"""The SLA service in-process, over its internal HTTP API, on a test database."""

import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from desk_sla.config import SlaSettings
from desk_sla.entrypoints.main import create_app, migrate

from tests.conftest import unique

DATABASE = "desk_sla_test"
MANAGE = "support:sla:manage"


@pytest.fixture(scope="session")
async def sla_settings(servers: dict[str, str]) -> SlaSettings:
    os.environ["DESK_SLA_DATABASE"] = DATABASE
    settings = SlaSettings(sla_database=DATABASE)
    await migrate(settings)
    return settings


@pytest.fixture(scope="session")
async def sla_service(sla_settings: SlaSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(sla_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sla") as c:
            yield c


class Caller:
    """Calls the internal API as one user of one tenant."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        tenant: str,
        user: str = "alice",
        kind: str = "operator",
        permissions: tuple[str, ...] = (MANAGE,),
    ) -> None:
        self.client = client
        self.tenant = tenant
        self.headers = {
            "x-desk-tenant": tenant,
            "x-desk-user": user,
            "x-desk-kind": kind,
            "x-desk-permissions": " ".join(permissions),
        }

    def as_user(
        self,
        user: str,
        kind: str = "operator",
        permissions: tuple[str, ...] = (),
    ) -> "Caller":
        return Caller(self.client, self.tenant, user, kind, permissions)

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.client.request(method, path, headers=headers, **kwargs)

    async def post(self, path: str, body: Any) -> httpx.Response:
        return await self.request("POST", path, json=body)

    async def put(self, path: str, body: Any, **headers: str) -> httpx.Response:
        return await self.request("PUT", path, json=body, headers=headers)

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.request("GET", path, params=params)

    async def delete(self, path: str, **headers: str) -> httpx.Response:
        return await self.request("DELETE", path, headers=headers)

    async def created(self, path: str, body: Any) -> dict[str, Any]:
        answer = await self.post(path, body)
        assert answer.status_code == 201, answer.text
        return answer.json()  # type: ignore[no-any-return]


@pytest.fixture
def admin(sla_service: httpx.AsyncClient) -> Caller:
    """An SLA manager of a fresh tenant."""
    return Caller(sla_service, unique("t"))


def fields_of(answer: httpx.Response) -> dict[str, str]:
    """The fields a 422 problem names, with their reasons."""
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert answer.headers["content-type"] == "application/problem+json"
    return {error["field"]: error["detail"] for error in body["errors"]}


OFFICE = {
    "timezone": "Europe/Berlin",
    "hours": {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
}
"""A Berlin office open 08:00-18:00 on workdays."""
