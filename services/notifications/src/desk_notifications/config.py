"""Settings of the notifications service (environment prefix ``DESK_``)."""

from desk_infra.settings import ServiceSettings
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

SERVICE = "notifications"


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DESK_", extra="ignore")

    db_pool_size: int = 8
    """Connections per process (as many again in bursts): a delivery holds one only
    for two short transactions, never while a mail server is talked to."""
    notifications_database: str = "desk_notifications"
    notifications_host: str = "127.0.0.1"
    notifications_port: int = 8103
    notifications_workers: int = 1
    notifications_queues: str = SERVICE
    """The first part of the workers' queue names (``<this>.sla-breaches``, ...);
    workers that share it share the work. Tests give each run its own."""
    tickets_url: str = "http://127.0.0.1:8101"
    """Where the worker asks who a user is and who belongs to a team."""
    recipients_cache_seconds: float = 30.0
    """How long a worker trusts a name and address it was given."""
    mail_url: str = "http://127.0.0.1:8104"
    """Where the worker asks mail-ingest for a tenant's reply address."""
    reply_address_cache_seconds: float = 60.0
    """How long a worker trusts a tenant's reply address (``Reply-To``)."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout: float = Field(default=10.0, gt=0)
    """Seconds one delivery may take, connecting included, before it has failed."""
    smtp_connections: int = Field(default=8, ge=1)
    """Mail server connections each worker keeps open and sends over concurrently."""
    mail_from: str = "Support desk <support@desk.localhost>"
    mail_domain: str = "desk.localhost"
    """The right-hand side of the Message-IDs the desk makes."""
    sending_lease_seconds: float = 60.0
    """After this long a delivery left ``sending`` is presumed abandoned and retried."""
    ticket_url: str = "https://portal.localhost/support/requests/{ticket_id}"
    """Where a person opens a ticket in the portal (``ticket.url`` in templates)."""
