"""Composition root of the SLA service: wires settings, database, broker, HTTP."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from desk_infra.db import ensure_database
from desk_infra.health import health_router
from desk_infra.logs import configure_logging
from desk_infra.migrations import upgrade_to_head
from desk_infra.problems import install_problem_handlers, problem_response
from desk_infra.runtime import Runtime
from desk_infra.serving import serve
from desk_infra.telemetry import configure_tracing, instrument_http_app
from fastapi import FastAPI, Request
from fastapi.responses import Response

import desk_sla
from desk_sla.adapters import tables
from desk_sla.config import SERVICE, SlaSettings
from desk_sla.domain.errors import SlaError
from desk_sla.entrypoints import http_clocks
from desk_sla.entrypoints.http import router, to_problem

MIGRATIONS = Path(desk_sla.__file__).parent / "migrations"


def create_app(settings: SlaSettings | None = None) -> FastAPI:
    settings = settings or SlaSettings()
    runtime = Runtime.build(SERVICE, settings, settings.sla_database, tables.outbox)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title="Support desk: SLA service (internal)",
        version="1",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.engine = runtime.engine
    install_problem_handlers(app)

    async def on_sla_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SlaError)
        return problem_response(to_problem(exc), request.url.path)

    app.add_exception_handler(SlaError, on_sla_error)
    app.include_router(router)
    app.include_router(http_clocks.router)
    app.include_router(health_router(runtime.checks))
    instrument_http_app(app, settings)
    return app


async def migrate(settings: SlaSettings | None = None) -> None:
    """Create the service's database if needed and apply its migrations."""
    settings = settings or SlaSettings()
    await ensure_database(settings, settings.sla_database)
    url = settings.database_url(settings.sla_database)
    await asyncio.to_thread(upgrade_to_head, MIGRATIONS, url)


def app_factory() -> FastAPI:
    settings = SlaSettings()
    configure_logging(SERVICE, settings.log_level, settings.log_format)
    configure_tracing(SERVICE, settings)
    return create_app(settings)


def run() -> None:
    """Migrate, then serve the internal API."""
    settings = SlaSettings()
    asyncio.run(migrate(settings))
    serve(
        "desk_sla.entrypoints.main:app_factory",
        host=settings.sla_host,
        port=settings.sla_port,
        workers=settings.sla_workers,
    )
