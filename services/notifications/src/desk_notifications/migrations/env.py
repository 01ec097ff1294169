from desk_infra.migrations import run_env
from desk_notifications.adapters.tables import metadata

run_env(metadata)
