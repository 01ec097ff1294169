"""``desk-tickets-relay``: publishes the tickets outbox; run one or more per database.

It runs apart from the API so that killing or restarting API processes never
interrupts publishing; several relays may run at once (rows are leased).
"""

import uvloop
from desk_infra.logs import configure_logging
from desk_infra.runtime import Runtime, serve_until_signalled
from desk_infra.serving import tune_gc
from desk_infra.telemetry import configure_tracing

from desk_tickets.adapters import tables
from desk_tickets.config import SERVICE, TicketsSettings
from desk_tickets.entrypoints.main import migrate


def run() -> None:
    settings = TicketsSettings()
    configure_logging(f"{SERVICE}-relay", settings.log_level, settings.log_format)
    configure_tracing(f"{SERVICE}-relay", settings)

    async def main() -> None:
        await migrate(settings)
        runtime = Runtime.build(
            f"{SERVICE}-relay", settings, settings.tickets_database, tables.outbox
        )
        await serve_until_signalled(runtime)

    tune_gc()
    uvloop.run(main())
