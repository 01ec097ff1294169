"""Settings of the tickets service."""

from desk_infra.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict

SERVICE = "tickets"


class TicketsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DESK_", extra="ignore")

    tickets_database: str = "desk_tickets"
    tickets_host: str = "127.0.0.1"
    tickets_port: int = 8101
    tickets_workers: int = 1
    tickets_embedded_relay: bool = False
    """Relay the outbox inside the API process too (default: ``desk-tickets-relay``)."""
    attachment_max_bytes: int = 25 * 1024 * 1024
    """The largest file an upload may carry; larger ones are refused with 413."""
    image_max_pixels: int = 40_000_000
    """Images with more pixels get no thumbnail (decompression bombs among them)."""
