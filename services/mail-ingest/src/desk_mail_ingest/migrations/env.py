from desk_infra.migrations import run_env
from desk_mail_ingest.adapters.tables import metadata

run_env(metadata)
