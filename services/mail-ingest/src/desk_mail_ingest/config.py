"""Settings of the mail-ingest service."""

from desk_infra.settings import ServiceSettings
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

SERVICE = "mail-ingest"


class MailSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DESK_", extra="ignore")

    mail_database: str = "desk_mail"
    mail_host: str = "127.0.0.1"
    mail_port: int = 8104
    """The HTTP API: raw-message upload, mailboxes, ignored and quarantined mail."""
    mail_embedded_relay: bool = False
    """Relay the outbox inside this process too (default: ``desk-mail-relay``)."""
    mail_smtp_enabled: bool = True
    mail_smtp_host: str = "127.0.0.1"
    mail_smtp_port: int = 2525
    mail_imap_enabled: bool = True
    mail_imap_poll_seconds: float = Field(default=30.0, gt=0)
    mail_imap_timeout_seconds: float = Field(default=30.0, gt=0)
    mail_imap_concurrency: int = Field(default=4, ge=1)
    """Mailboxes polled at once: a slow server delays only its own mailbox."""
    mail_rate_limit: int = Field(default=30, ge=1)
    """Messages one sender may send per minute before the rest are quarantined."""
    mail_max_bytes: int = Field(default=30 * 1024 * 1024, ge=1024)
    mail_upload_secret: SecretStr | None = None
    """When set, uploads also accept ``X-Desk-Mail-Secret`` with this value (for
    providers that post inbound mail to a webhook without a portal token)."""
