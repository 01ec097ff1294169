"""A failing service behind the gateway becomes a 502, 503 or 504 problem."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from desk_gateway.upstream import Upstream
from desk_infra.problems import Problem

from tests.conftest import free_port


async def _slow(_: web.Request) -> web.Response:
    await asyncio.sleep(1)
    return web.Response(text="late")


async def _broken(_: web.Request) -> web.Response:
    return web.Response(status=500, text="boom")


async def _fine(_: web.Request) -> web.Response:
    return web.Response(
        body=b'{"ok": true}',
        content_type="application/json",
        headers={"ETag": '"3"', "X-Internal": "secret"},
    )


@pytest.fixture
async def service() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/slow", _slow)
    app.router.add_get("/broken", _broken)
    app.router.add_get("/fine", _fine)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def _problem(upstream: Upstream, path: str) -> Problem:
    with pytest.raises(Problem) as caught:
        await upstream.forward("GET", path, None)
    return caught.value


async def test_a_service_that_does_not_answer_in_time_is_504(service: str) -> None:
    upstream = Upstream("tickets", service, timeout=0.3)

    problem = await _problem(upstream, "/slow")
    await upstream.close()

    assert problem.status == 504


async def test_a_service_that_fails_is_502(service: str) -> None:
    upstream = Upstream("tickets", service, timeout=2)

    problem = await _problem(upstream, "/broken")
    await upstream.close()

    assert problem.status == 502
    assert "boom" not in problem.detail


async def test_a_service_that_is_down_is_503() -> None:
    upstream = Upstream("tickets", f"http://127.0.0.1:{free_port()}", timeout=2)

    problem = await _problem(upstream, "/anything")
    await upstream.close()

    assert problem.status == 503


async def test_an_answer_passes_with_only_the_headers_meant_for_callers(
    service: str,
) -> None:
    upstream = Upstream("tickets", service, timeout=2)

    response = await upstream.forward("GET", "/fine", None)
    await upstream.close()

    assert response.status_code == 200
    assert response.body == b'{"ok": true}'
    assert response.headers["etag"] == '"3"'
    assert "x-internal" not in response.headers
