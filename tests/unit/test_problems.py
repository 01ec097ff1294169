"""Every error of an app with the problem handlers is RFC 9457 problem details.

The app is served in-process through ``httpx.ASGITransport``: no socket is opened.
"""

from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from desk_infra.problems import (
    PROBLEM_BASE,
    PROBLEM_MEDIA_TYPE,
    Problem,
    install_problem_handlers,
)
from fastapi import FastAPI, Query
from pydantic import BaseModel, Field


class Item(BaseModel):
    name: str = Field(min_length=1)
    quantity: int


def make_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/items")
    async def create_item(item: Item) -> Item:
        return item

    @app.get("/items")
    async def list_items(limit: Annotated[int, Query(ge=1)] = 10) -> list[Item]:
        return []

    @app.get("/conflict")
    async def conflict() -> None:
        raise Problem(
            409,
            "the ticket moved on",
            type_="version-mismatch",
            headers={"ETag": '"5"'},
            current_version=5,
            permission=None,
        )

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("secret internals")

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # The app's own 500 handler answers; Starlette re-raises the error afterwards,
    # which the transport must not turn into a test failure.
    transport = httpx.ASGITransport(app=make_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://desk") as c:
        yield c


def is_problem(response: httpx.Response) -> bool:
    return response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)


async def test_an_invalid_body_is_422_naming_each_field(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/items", json={"name": "", "quantity": "many"})

    body = response.json()
    assert response.status_code == 422
    assert is_problem(response)
    assert body["type"] == PROBLEM_BASE + "validation"
    assert body["status"] == 422
    assert body["instance"] == "/items"
    assert {e["field"] for e in body["errors"]} == {"name", "quantity"}
    assert {e["pointer"] for e in body["errors"]} == {"#/name", "#/quantity"}
    assert "name" in body["detail"]
    assert "quantity" in body["detail"]


async def test_a_missing_body_field_is_named(client: httpx.AsyncClient) -> None:
    response = await client.post("/items", json={"name": "bolt"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["quantity"]


async def test_a_missing_body_is_422_naming_the_body(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/items")

    body = response.json()
    assert response.status_code == 422
    assert is_problem(response)
    assert [(e["field"], e["pointer"]) for e in body["errors"]] == [("", "#")]
    assert "body" in body["detail"]


async def test_an_invalid_query_parameter_is_named_with_its_place(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/items", params={"limit": "0"})

    assert response.status_code == 422
    assert is_problem(response)
    assert [e["field"] for e in response.json()["errors"]] == ["query.limit"]


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/items",
        content=b'{"name": "bolt", ',
        headers={"content-type": "application/json"},
    )

    body = response.json()
    assert response.status_code == 400
    assert is_problem(response)
    assert body["type"].endswith("malformed-json")
    assert body["status"] == 400
    assert "errors" not in body


async def test_an_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere")

    body = response.json()
    assert response.status_code == 404
    assert is_problem(response)
    assert body == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Not Found",
        "instance": "/nowhere",
    }


async def test_a_wrong_method_is_a_405_problem(client: httpx.AsyncClient) -> None:
    response = await client.delete("/items")

    assert response.status_code == 405
    assert is_problem(response)
    assert response.json()["status"] == 405
    assert "allow" in response.headers


async def test_a_raised_problem_keeps_its_extensions_and_headers(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/conflict")

    body = response.json()
    assert response.status_code == 409
    assert is_problem(response)
    assert body["type"] == PROBLEM_BASE + "version-mismatch"
    assert body["title"] == "Conflict"
    assert body["detail"] == "the ticket moved on"
    assert body["current_version"] == 5
    assert "permission" in body
    assert body["permission"] is None
    assert response.headers["etag"] == '"5"'


async def test_an_unexpected_error_is_a_500_problem_without_internals(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/crash")

    body = response.json()
    assert response.status_code == 500
    assert is_problem(response)
    assert body["status"] == 500
    assert "secret internals" not in response.text
