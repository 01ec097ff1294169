"""Files pass through the gateway in chunks, with the headers a download needs."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from desk_gateway.upstream import Upstream
from desk_infra.problems import Problem
from fastapi.responses import StreamingResponse

from tests.conftest import free_port

MB = 1024 * 1024


async def _count_upload(request: web.Request) -> web.Response:
    seen = 0
    async for chunk in request.content.iter_any():
        seen += len(chunk)
    return web.json_response({"seen": seen}, status=201)


async def _download(request: web.Request) -> web.StreamResponse:
    answer = web.StreamResponse(
        headers={
            "Content-Type": "image/png",
            "Content-Length": str(5 * MB),
            "Content-Disposition": "attachment; filename*=UTF-8''a.png",
            "X-Content-Type-Options": "nosniff",
            "X-Internal": "secret",
        }
    )
    await answer.prepare(request)
    for _ in range(5):
        await answer.write(b"\x89" * MB)
    return answer


async def _refused(_: web.Request) -> web.Response:
    return web.json_response({"status": 413}, status=413)


async def _broken(_: web.Request) -> web.Response:
    return web.Response(status=500, text="boom")


async def _stalled(_: web.Request) -> web.Response:
    await asyncio.sleep(1)
    return web.Response(text="late")


@pytest.fixture
async def service() -> AsyncIterator[str]:
    app = web.Application(client_max_size=64 * MB)
    app.router.add_post("/upload", _count_upload)
    app.router.add_get("/download", _download)
    app.router.add_post("/refused", _refused)
    app.router.add_get("/broken", _broken)
    app.router.add_get("/stalled", _stalled)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def upstream(service: str) -> AsyncIterator[Upstream]:
    made = Upstream("tickets", service, timeout=0.3)
    yield made
    await made.close()


async def _megabytes(count: int) -> AsyncIterator[bytes]:
    for _ in range(count):
        await asyncio.sleep(0)
        yield b"\x01" * MB


async def test_an_upload_streams_to_the_service(upstream: Upstream) -> None:
    answer = await upstream.stream("POST", "/upload", None, body=_megabytes(12))

    assert answer.status_code == 201
    assert answer.body == b'{"seen": 12582912}'


async def test_a_download_streams_back_with_its_headers(upstream: Upstream) -> None:
    answer = await upstream.stream("GET", "/download", None)

    assert isinstance(answer, StreamingResponse)
    sizes = [len(chunk) async for chunk in answer.body_iterator]
    assert sum(sizes) == 5 * MB
    assert max(sizes) <= 64 * 1024
    assert answer.headers["content-length"] == str(5 * MB)
    assert answer.headers["content-disposition"] == "attachment; filename*=UTF-8''a.png"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "x-internal" not in answer.headers


async def test_a_refusal_is_passed_on_whole(upstream: Upstream) -> None:
    answer = await upstream.stream("POST", "/refused", None, body=_megabytes(1))

    assert answer.status_code == 413
    assert answer.body == b'{"status": 413}'


async def test_a_failing_or_stalled_service_is_a_problem(upstream: Upstream) -> None:
    with pytest.raises(Problem) as broken:
        await upstream.stream("GET", "/broken", None)
    with pytest.raises(Problem) as stalled:
        await upstream.stream("GET", "/stalled", None)

    assert broken.value.status == 502
    assert stalled.value.status == 504
