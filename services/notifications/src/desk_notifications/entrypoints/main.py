"""Composition root of the inbox API (``desk-notifications``, port 8103).

The API only reads and marks the inbox; the workers (``desk-notifications-worker``)
consume events and send, and scale apart from it.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from desk_infra.db import create_engine, ensure_database
from desk_infra.health import health_router
from desk_infra.logs import configure_logging
from desk_infra.migrations import upgrade_to_head
from desk_infra.problems import install_problem_handlers
from desk_infra.serving import serve
from desk_infra.telemetry import configure_tracing, instrument_http_app
from fastapi import FastAPI
from sqlalchemy import text

import desk_notifications
from desk_notifications.config import SERVICE, NotificationsSettings
from desk_notifications.entrypoints.http import router
from desk_notifications.service_layer.inbox import Inbox

MIGRATIONS = Path(desk_notifications.__file__).parent / "migrations"


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    settings = settings or NotificationsSettings()
    engine = create_engine(settings, settings.notifications_database)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await engine.dispose()

    async def database() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    app = FastAPI(
        title="Support desk: notifications service (internal)",
        version="1",
        lifespan=lifespan,
    )
    app.state.inbox = Inbox(engine)
    install_problem_handlers(app)
    app.include_router(router)
    app.include_router(health_router(lambda: {"database": database}))
    instrument_http_app(app, settings)
    return app


async def migrate(settings: NotificationsSettings | None = None) -> None:
    """Create the service's database if needed and apply its migrations."""
    settings = settings or NotificationsSettings()
    await ensure_database(settings, settings.notifications_database)
    url = settings.database_url(settings.notifications_database)
    await asyncio.to_thread(upgrade_to_head, MIGRATIONS, url)


def app_factory() -> FastAPI:
    settings = NotificationsSettings()
    configure_logging(SERVICE, settings.log_level, settings.log_format)
    configure_tracing(SERVICE, settings)
    return create_app(settings)


def run() -> None:
    """Migrate, then serve the inbox API."""
    settings = NotificationsSettings()
    asyncio.run(migrate(settings))
    serve(
        "desk_notifications.entrypoints.main:app_factory",
        host=settings.notifications_host,
        port=settings.notifications_port,
        workers=settings.notifications_workers,
    )
