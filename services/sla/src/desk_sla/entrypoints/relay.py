"""``desk-sla-relay``: publishes the SLA outbox, apart from the workers.

Workers relay their own outbox by default. Where bursts of due points matter,
run workers with ``DESK_SLA_WORKER_RELAY=false`` and relays beside them: firing
and publishing then use a core each instead of sharing one event loop. Several
relays may run at once (rows are leased).
"""

import uvloop
from desk_infra.logs import configure_logging
from desk_infra.runtime import Runtime, serve_until_signalled
from desk_infra.serving import tune_gc
from desk_infra.telemetry import configure_tracing

from desk_sla.adapters import tables
from desk_sla.config import SERVICE, SlaSettings
from desk_sla.entrypoints.main import migrate


def run() -> None:
    settings = SlaSettings()
    configure_logging(f"{SERVICE}-relay", settings.log_level, settings.log_format)
    configure_tracing(f"{SERVICE}-relay", settings)

    async def main() -> None:
        await migrate(settings)
        runtime = Runtime.build(
            f"{SERVICE}-relay", settings, settings.sla_database, tables.outbox
        )
        await serve_until_signalled(runtime)

    tune_gc()
    uvloop.run(main())
