"""Settings of the gateway."""

from desk_infra.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict

SERVICE = "gateway"


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DESK_", extra="ignore")

    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8100
    gateway_workers: int = 1
    tickets_url: str = "http://127.0.0.1:8101"
    sla_url: str = "http://127.0.0.1:8102"
    notifications_url: str = "http://127.0.0.1:8103"
    mail_url: str = "http://127.0.0.1:8104"
    upstream_timeout: float = 10.0
    tenant_cache_seconds: float = 30.0
    """How long the gateway trusts what it read of a tenant (its licensed modules)."""

    def upstream_urls(self) -> dict[str, str]:
        """The services the gateway calls, by the name routes ask for."""
        return {
            "tickets": self.tickets_url,
            "sla": self.sla_url,
            "notifications": self.notifications_url,
            "mail": self.mail_url,
        }
