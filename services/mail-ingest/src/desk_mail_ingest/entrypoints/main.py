"""Composition root of mail-ingest: HTTP API, SMTP listener and IMAP poller in one.

The three share one process because they share everything else (database, blob
store, outbox); run several processes for more throughput. The outbox is relayed
by ``desk-mail-relay`` (or in-process with ``DESK_MAIL_EMBEDDED_RELAY=true``).
"""

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
from desk_infra.problems import Problem, install_problem_handlers, problem_response
from desk_infra.runtime import Runtime
from desk_infra.serving import serve
from desk_infra.telemetry import configure_tracing, instrument_http_app
from fastapi import FastAPI, Request
from fastapi.responses import Response

import desk_mail_ingest
from desk_mail_ingest.adapters import tables
from desk_mail_ingest.config import SERVICE, MailSettings
from desk_mail_ingest.domain.errors import (
    Conflict,
    MailIngestError,
    NotFound,
    StorageUnavailable,
    UnknownMailbox,
)
from desk_mail_ingest.entrypoints.http import router
from desk_mail_ingest.entrypoints.imap import ImapPoller
from desk_mail_ingest.entrypoints.smtp import start_smtp
from desk_mail_ingest.service_layer.intake import Limits, MailIntake
from desk_mail_ingest.service_layer.mailboxes import MailboxAdmin

MIGRATIONS = Path(desk_mail_ingest.__file__).parent / "migrations"


def create_app(settings: MailSettings | None = None) -> FastAPI:
    settings = settings or MailSettings()
    relayed = tables.outbox if settings.mail_embedded_relay else None
    runtime = Runtime.build(SERVICE, settings, settings.mail_database, relayed)
    blobs = blob_store_from_settings(settings)
    limits = Limits(settings.mail_rate_limit, settings.mail_max_bytes)
    intake = MailIntake(runtime.engine, blobs, Outbox(tables.outbox), limits)
    admin = MailboxAdmin(runtime.engine)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        async with contextlib.AsyncExitStack() as stack:
            stack.push_async_callback(blobs.close)
            stack.push_async_callback(runtime.stop)
            if settings.mail_smtp_enabled:
                server = await start_smtp(
                    intake,
                    settings.mail_smtp_host,
                    settings.mail_smtp_port,
                    limits.max_bytes,
                )
                stack.push_async_callback(server.wait_closed)
                stack.callback(server.close)
            if settings.mail_imap_enabled:
                poller = ImapPoller(
                    intake,
                    admin,
                    interval=settings.mail_imap_poll_seconds,
                    timeout=settings.mail_imap_timeout_seconds,
                    concurrency=settings.mail_imap_concurrency,
                )
                task = asyncio.create_task(poller.run(), name="imap-poller")
                stack.push_async_callback(_cancelled, task)
            yield

    app = FastAPI(
        title="Support desk: mail-ingest (internal)", version="1", lifespan=lifespan
    )
    app.state.runtime = runtime
    app.state.intake = intake
    app.state.admin = admin
    secret = settings.mail_upload_secret
    app.state.upload_secret = secret.get_secret_value() if secret else None
    install_problem_handlers(app)
    app.add_exception_handler(MailIngestError, _on_mail_error)
    app.include_router(router)
    app.include_router(health_router(runtime.checks))
    instrument_http_app(app, settings)
    return app


async def _cancelled(task: "asyncio.Task[None]") -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _on_mail_error(request: Request, exc: Exception) -> Response:
    match exc:
        case NotFound() | UnknownMailbox():
            problem = Problem(404, str(exc), type_="not-found")
        case Conflict():
            problem = Problem(409, str(exc), type_="conflict")
        case StorageUnavailable():
            problem = Problem(503, "mail storage is unavailable; retry later")
        case _:
            problem = Problem(422, str(exc))
    return problem_response(problem, request.url.path)


async def migrate(settings: MailSettings | None = None) -> None:
    """Create the service's database if needed and apply its migrations."""
    settings = settings or MailSettings()
    await ensure_database(settings, settings.mail_database)
    url = settings.database_url(settings.mail_database)
    await asyncio.to_thread(upgrade_to_head, MIGRATIONS, url)


def app_factory() -> FastAPI:
    settings = MailSettings()
    configure_logging(SERVICE, settings.log_level, settings.log_format)
    configure_tracing(SERVICE, settings)
    return create_app(settings)


def run() -> None:
    """Migrate, then serve HTTP, SMTP and IMAP polling in one process."""
    settings = MailSettings()
    asyncio.run(migrate(settings))
    serve(
        "desk_mail_ingest.entrypoints.main:app_factory",
        host=settings.mail_host,
        port=settings.mail_port,
        workers=1,  # the SMTP port can be bound by one process only
    )
