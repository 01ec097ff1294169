"""Calls to the services' internal APIs, on the caller's behalf, with timeouts."""

import logging
from typing import Any

import httpx
from desk_infra.logs import current_log_context
from desk_infra.problems import Problem
from fastapi import Response

from desk_gateway.auth import Principal

log = logging.getLogger(__name__)

PASSED_HEADERS = ("etag", "location", "content-type")


class Upstream:
    """One internal service, reached over a pooled HTTP client."""

    def __init__(self, name: str, base_url: str, timeout: float) -> None:
        self.name = name
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=2.0),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=100),
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def call(
        self,
        method: str,
        path: str,
        who: Principal | None,
        *,
        json_body: bytes | None = None,
        params: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = {**_identity(who), **(headers or {})}
        if json_body is not None:
            sent["content-type"] = "application/json"
        try:
            return await self._client.request(
                method, path, content=json_body, params=params, headers=sent
            )
        except httpx.TimeoutException as exc:
            log.warning("%s timed out on %s %s", self.name, method, path)
            raise Problem(
                504, f"the {self.name} service did not answer in time"
            ) from exc
        except httpx.TransportError as exc:
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
        if answer.status_code >= 500:
            log.error(
                "%s answered %d on %s %s", self.name, answer.status_code, method, path
            )
            raise Problem(502, f"the {self.name} service failed to answer the request")
        kept = {k: v for k, v in answer.headers.items() if k in PASSED_HEADERS}
        return Response(answer.content, status_code=answer.status_code, headers=kept)


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
