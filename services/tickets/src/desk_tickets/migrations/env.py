from desk_infra.migrations import run_env
from desk_tickets.adapters.tables import metadata

run_env(metadata)
