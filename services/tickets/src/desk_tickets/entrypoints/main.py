"""Composition root of the tickets service: wires settings, database, broker, HTTP."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from desk_infra.blobs import blob_store_from_settings
from desk_infra.db import ensure_database
from desk_infra.health import health_router
from desk_infra.logs import configure_logging
from desk_infra.migrations import upgrade_to_head
from desk_infra.outbox import Outbox
from desk_infra.problems import install_problem_handlers, problem_response
from desk_infra.runtime import Runtime
from desk_infra.serving import serve
from desk_infra.telemetry import (
    configure_tracing,
    instrument_http_app,
)
from fastapi import FastAPI, Request
from fastapi.responses import Response

import desk_tickets
from desk_tickets.adapters import tables
from desk_tickets.adapters.thumbnails import configure_pillow
from desk_tickets.config import SERVICE, TicketsSettings
from desk_tickets.domain.errors import TicketsError
from desk_tickets.entrypoints import (
    http_comments,
    http_internal,
    http_teams,
    http_triage,
)
from desk_tickets.entrypoints.http import router, to_problem
from desk_tickets.service_layer.attachments import FileLimits
from desk_tickets.service_layer.unit_of_work import UnitOfWork

MIGRATIONS = Path(desk_tickets.__file__).parent / "migrations"


def create_app(settings: TicketsSettings | None = None) -> FastAPI:
    settings = settings or TicketsSettings()
    relayed = tables.outbox if settings.tickets_embedded_relay else None
    runtime = Runtime.build(SERVICE, settings, settings.tickets_database, relayed)
    outbox = Outbox(tables.outbox)
    blobs = blob_store_from_settings(settings)
    configure_pillow(settings.image_max_pixels)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()
            await blobs.close()

    app = FastAPI(
        title="Support desk: tickets service (internal)",
        version="1",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.uow_factory = lambda: UnitOfWork(runtime.engine, outbox)
    app.state.blobs = blobs
    app.state.file_limits = FileLimits(
        max_bytes=settings.attachment_max_bytes, max_pixels=settings.image_max_pixels
    )
    install_problem_handlers(app)

    async def on_tickets_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, TicketsError)
        return problem_response(to_problem(exc), request.url.path)

    app.add_exception_handler(TicketsError, on_tickets_error)
    app.include_router(router)
    app.include_router(http_comments.router)
    app.include_router(http_teams.router)
    app.include_router(http_triage.router)
    app.include_router(http_internal.router)
    app.include_router(health_router(runtime.checks))
    instrument_http_app(app, settings)
    return app


async def migrate(settings: TicketsSettings | None = None) -> None:
    """Create the service's database if needed and apply its migrations."""
    settings = settings or TicketsSettings()
    await ensure_database(settings, settings.tickets_database)
    url = settings.database_url(settings.tickets_database)
    await asyncio.to_thread(upgrade_to_head, MIGRATIONS, url)


def app_factory() -> FastAPI:
    settings = TicketsSettings()
    configure_logging(SERVICE, settings.log_level, settings.log_format)
    configure_tracing(SERVICE, settings)
    return create_app(settings)


def run() -> None:
    """Migrate, then serve the internal API."""
    settings = TicketsSettings()
    asyncio.run(migrate(settings))
    serve(
        "desk_tickets.entrypoints.main:app_factory",
        host=settings.tickets_host,
        port=settings.tickets_port,
        workers=settings.tickets_workers,
    )
