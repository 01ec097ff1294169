"""Calls to the services' internal APIs, on the caller's behalf, with timeouts.

aiohttp rather than httpx here: on this path the gateway spends most of its time in
the client, and httpx cost several times as much CPU per call.
"""

import logging
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from desk_infra.logs import current_log_context
from desk_infra.problems import Problem
from fastapi import Response
from fastapi.responses import StreamingResponse

from desk_gateway.auth import Principal

log = logging.getLogger(__name__)

PASSED_HEADERS = ("etag", "location", "content-type")
STREAMED_HEADERS = (
    *PASSED_HEADERS,
    "content-length",
    "content-disposition",
    "x-content-type-options",
    "content-security-policy",
    "cache-control",
)
"""What a file download keeps of the service's answer."""
STREAM_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Answer:
    """What a service answered: status, the headers worth passing on, and the body."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


class Upstream:
    """One internal service, reached over a pooled HTTP client."""

    def __init__(self, name: str, base_url: str, timeout: float) -> None:
        self.name = name
        self._base = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout, sock_connect=2.0)
        # A file may take longer than ``timeout`` to pass; a stalled one may not.
        self._stream_timeout = aiohttp.ClientTimeout(
            sock_connect=2.0, sock_read=timeout
        )
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use: a session belongs to the event loop it was made in.
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=200, keepalive_timeout=30)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self._timeout
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def call(
        self,
        method: str,
        path: str,
        who: Principal | None,
        *,
        json_body: bytes | None = None,
        params: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = {**_identity(who), **(headers or {})}
        if json_body is not None:
            sent.setdefault("content-type", "application/json")
        try:
            async with self._client().request(
                method, self._base + path, data=json_body, params=params, headers=sent
            ) as answer:
                body = await answer.read()
                kept = {k.lower(): v for k, v in answer.headers.items()}
                return Answer(answer.status, kept, body)
        except TimeoutError as exc:
            log.warning("%s timed out on %s %s", self.name, method, path)
            raise Problem(
                504, f"the {self.name} service did not answer in time"
            ) from exc
        except aiohttp.ClientError as exc:
            log.warning("%s unreachable on %s %s: %r", self.name, method, path, exc)
            raise Problem(503, f"the {self.name} service is unavailable") from exc

    async def forward(
        self,
        method: str,
        path: str,
        who: Principal | None,
        *,
        json_body: bytes | None = None,
        params: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Call and hand the answer back as it is, problem details included."""
        answer = await self.call(
            method, path, who, json_body=json_body, params=params, headers=headers
        )
        if answer.status >= 500:
            log.error("%s answered %d on %s %s", self.name, answer.status, method, path)
            raise Problem(502, f"the {self.name} service failed to answer the request")
        kept = {k: v for k, v in answer.headers.items() if k in PASSED_HEADERS}
        return Response(answer.body, status_code=answer.status, headers=kept)

    async def stream(
        self,
        method: str,
        path: str,
        who: Principal | None,
        *,
        body: AsyncIterable[bytes] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Like ``forward``, for files: the request body and a successful answer's
        body pass through in chunks, never held whole."""
        sent = {**_identity(who), **(headers or {})}
        try:
            answer = await self._client().request(
                method,
                self._base + path,
                data=body,
                headers=sent,
                timeout=self._stream_timeout,
            )
        except TimeoutError as exc:
            log.warning("%s timed out on %s %s", self.name, method, path)
            raise Problem(
                504, f"the {self.name} service did not answer in time"
            ) from exc
        except aiohttp.ClientError as exc:
            log.warning("%s unreachable on %s %s: %r", self.name, method, path, exc)
            raise Problem(503, f"the {self.name} service is unavailable") from exc
        kept = {
            k.lower(): v
            for k, v in answer.headers.items()
            if k.lower() in STREAMED_HEADERS
        }
        if answer.status != 200:
            return await self._whole(answer, method, path, kept)
        return StreamingResponse(_relayed(answer), status_code=200, headers=kept)

    async def _whole(
        self,
        answer: aiohttp.ClientResponse,
        method: str,
        path: str,
        kept: dict[str, str],
    ) -> Response:
        """Answers other than a file (problems, new records) are small: read them."""
        try:
            body = await answer.read()
        finally:
            answer.release()
        if answer.status >= 500:
            log.error("%s answered %d on %s %s", self.name, answer.status, method, path)
            raise Problem(502, f"the {self.name} service failed to answer the request")
        return Response(body, status_code=answer.status, headers=kept)


async def _relayed(answer: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    try:
        async for chunk in answer.content.iter_chunked(STREAM_CHUNK):
            yield chunk
    finally:
        answer.release()


def _identity(who: Principal | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    correlation = current_log_context().get("correlation_id")
    if correlation:
        headers["x-request-id"] = correlation
    if who is None:
        return headers
    headers.update(
        {
            "x-desk-tenant": who.tenant_id,
            "x-desk-user": who.user_id,
            "x-desk-kind": who.kind.value,
            "x-desk-permissions": " ".join(sorted(who.permissions)),
        }
    )
    return headers
