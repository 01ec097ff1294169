"""Settings of the SLA service."""

from desk_infra.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict

SERVICE = "sla"


class SlaSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DESK_", extra="ignore")

    sla_database: str = "desk_sla"
    sla_host: str = "127.0.0.1"
    sla_port: int = 8102
    sla_workers: int = 1
    sla_fire_batch: int = 1000
    """Clocks one worker claims per transaction when points fall due."""
    sla_worker_relay: bool = True
    """Whether each worker also publishes the outbox (else run ``desk-sla-relay``)."""
    sla_idle_seconds: float = 0.2
    """How long a worker waits before looking again when nothing was due."""
