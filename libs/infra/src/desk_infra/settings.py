"""Settings read from the environment (prefix ``DESK_``), with local defaults."""

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

DEVELOPMENT_SECRET = "development-only-secret-change-me"  # noqa: S105  # refused in production


class ServiceSettings(BaseSettings):
    """What every service needs: PostgreSQL, RabbitMQ, logging and tracing."""

    model_config = SettingsConfigDict(env_prefix="DESK_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    pg_url: str = "postgresql://postgres@127.0.0.1:5432"
    """The PostgreSQL server; each service uses its own database on it."""
    amqp_url: SecretStr = SecretStr("amqp://guest:guest@127.0.0.1:5672/")
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"
    otel_exporter_otlp_endpoint: str | None = None
    """Where spans go (OTLP over HTTP); unset means spans are made but not exported."""
    otel_tracing: bool | None = None
    """Instrument HTTP, AMQP and SQL; by default only when spans are exported, since
    unexported spans cost CPU on every request and show nowhere."""
    otel_sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)
    db_pool_size: int = 32
    """Connections kept open; as many again may open briefly under bursts."""
    prefetch_count: int = 100
    blob_url: str = "file://./var/blobs"
    """Where attachment bytes go: ``file://<directory>`` or ``s3://bucket/prefix``."""
    s3_endpoint_url: str | None = None
    """An S3-compatible service other than AWS (MinIO, Ceph); credentials come from
    the standard ``AWS_*`` variables."""
    s3_region: str | None = None

    @property
    def tracing(self) -> bool:
        if self.otel_tracing is not None:
            return self.otel_tracing
        return self.otel_exporter_otlp_endpoint is not None

    def database_url(self, database: str) -> str:
        """The SQLAlchemy URL of ``database`` on the configured server, over asyncpg."""
        url = make_url(self.pg_url).set(
            drivername="postgresql+asyncpg", database=database
        )
        return url.render_as_string(hide_password=False)


class JwtSettings(BaseSettings):
    """How bearer tokens are signed and checked."""

    model_config = SettingsConfigDict(
        env_prefix="DESK_JWT_", extra="ignore", populate_by_name=True
    )

    secret: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    """HS256 secret, for development and tests."""
    jwks_url: str | None = None
    """Production: RS256 keys from this JWKS URL; when set, HS256 is not accepted."""
    issuer: str = "supportdesk"
    audience: str = "supportdesk"
    environment: Literal["development", "test", "production"] = Field(
        default="development",
        validation_alias="DESK_ENVIRONMENT",
    )

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> "JwtSettings":
        if self.jwks_url is None and len(self.secret.get_secret_value().encode()) < 32:
            # RFC 7518, section 3.2: an HS256 key must have at least 256 bits.
            raise ValueError("DESK_JWT_SECRET must be at least 32 bytes long")
        placeholder = self.secret.get_secret_value() == DEVELOPMENT_SECRET
        if self.environment == "production" and self.jwks_url is None and placeholder:
            raise ValueError(
                "DESK_JWT_SECRET is the development placeholder; set a real secret "
                "or DESK_JWT_JWKS_URL in production"
            )
        return self
