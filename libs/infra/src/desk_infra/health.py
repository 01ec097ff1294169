"""``/healthz`` (the process answers) and ``/readyz`` (its dependencies answer)."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter
from fastapi.responses import JSONResponse

Check = Callable[[], Awaitable[object]]
CHECK_TIMEOUT = 2.0


def health_router(checks: Callable[[], Mapping[str, Check]]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        results: dict[str, str] = {}
        for name, check in checks().items():
            try:
                outcome = await asyncio.wait_for(check(), CHECK_TIMEOUT)
            except Exception as exc:  # noqa: BLE001  # a failed check is a report
                results[name] = f"failing: {exc!r}"
                continue
            results[name] = "ok" if outcome is not False else "failing"
        ready = all(r == "ok" for r in results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": results},
            status_code=200 if ready else 503,
        )

    return router
