"""``desk-mail-relay``: publishes the mail outbox; run one or more per database."""

import uvloop
from desk_infra.logs import configure_logging
from desk_infra.runtime import Runtime, serve_until_signalled
from desk_infra.serving import tune_gc
from desk_infra.telemetry import configure_tracing

from desk_mail_ingest.adapters import tables
from desk_mail_ingest.config import SERVICE, MailSettings
from desk_mail_ingest.entrypoints.main import migrate


def run() -> None:
    settings = MailSettings()
    configure_logging(f"{SERVICE}-relay", settings.log_level, settings.log_format)
    configure_tracing(f"{SERVICE}-relay", settings)

    async def main() -> None:
        await migrate(settings)
        runtime = Runtime.build(
            f"{SERVICE}-relay", settings, settings.mail_database, tables.outbox
        )
        await serve_until_signalled(runtime)

    tune_gc()
    uvloop.run(main())
