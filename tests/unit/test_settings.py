"""Settings: the JWT placeholder secret, and the database URL of a service."""

import pytest
from desk_infra.settings import DEVELOPMENT_SECRET, JwtSettings, ServiceSettings
from pydantic import SecretStr, ValidationError
from sqlalchemy.engine import make_url

JWKS_URL = "https://login.example/.well-known/jwks.json"


def test_production_refuses_the_placeholder_secret_without_a_jwks() -> None:
    with pytest.raises(ValidationError) as refused:
        JwtSettings(
            secret=SecretStr(DEVELOPMENT_SECRET),
            jwks_url=None,
            DESK_ENVIRONMENT="production",
        )

    assert "DESK_JWT_SECRET" in str(refused.value)


def test_production_accepts_a_real_secret() -> None:
    settings = JwtSettings(
        secret=SecretStr("a-real-secret-from-the-vault-0123456789"),
        jwks_url=None,
        DESK_ENVIRONMENT="production",
    )

    assert settings.environment == "production"


def test_production_with_a_jwks_does_not_need_a_secret() -> None:
    settings = JwtSettings(
        secret=SecretStr(DEVELOPMENT_SECRET),
        jwks_url=JWKS_URL,
        DESK_ENVIRONMENT="production",
    )

    assert settings.jwks_url == JWKS_URL


@pytest.mark.parametrize("environment", ["development", "test"])
def test_the_placeholder_is_fine_outside_production(environment: str) -> None:
    settings = JwtSettings(
        secret=SecretStr(DEVELOPMENT_SECRET),
        jwks_url=None,
        DESK_ENVIRONMENT=environment,
    )

    assert settings.secret.get_secret_value() == DEVELOPMENT_SECRET


def test_the_secret_does_not_show_in_the_settings_repr() -> None:
    settings = JwtSettings(
        secret=SecretStr("do-not-print-me-0123456789abcdef"),
        jwks_url=None,
        DESK_ENVIRONMENT="test",
    )

    assert "do-not-print-me" not in repr(settings)


def test_database_url_is_asyncpg_on_the_configured_server_with_credentials() -> None:
    settings = ServiceSettings(
        pg_url="postgresql://desk:s3cret@db.internal:6543/postgres"
    )

    url = settings.database_url("tickets")

    assert url == "postgresql+asyncpg://desk:s3cret@db.internal:6543/tickets"


def test_database_url_keeps_a_password_with_reserved_characters() -> None:
    settings = ServiceSettings(pg_url="postgresql://desk:p%40ss%3Aw%2Frd@db:5432")

    url = make_url(settings.database_url("tickets"))

    assert url.drivername == "postgresql+asyncpg"
    assert (url.username, url.password) == ("desk", "p@ss:w/rd")
    assert (url.host, url.port, url.database) == ("db", 5432, "tickets")


def test_database_url_without_a_database_in_the_server_url() -> None:
    settings = ServiceSettings(pg_url="postgresql://postgres@127.0.0.1:5432")

    url = settings.database_url("gateway")

    assert url == "postgresql+asyncpg://postgres@127.0.0.1:5432/gateway"


@pytest.mark.parametrize("secret", ["x" * 31, "", "\u00e9" * 15 + "x"])
def test_an_hs256_secret_under_32_bytes_is_refused(secret: str) -> None:
    with pytest.raises(ValidationError) as refused:
        JwtSettings(secret=SecretStr(secret), jwks_url=None, DESK_ENVIRONMENT="test")

    assert "32 bytes" in str(refused.value)


@pytest.mark.parametrize("secret", ["x" * 32, "\u00e9" * 16])
def test_an_hs256_secret_of_32_bytes_is_enough(secret: str) -> None:
    settings = JwtSettings(
        secret=SecretStr(secret), jwks_url=None, DESK_ENVIRONMENT="test"
    )

    assert settings.secret.get_secret_value() == secret


def test_with_a_jwks_the_secret_length_does_not_matter() -> None:
    settings = JwtSettings(
        secret=SecretStr("short"), jwks_url=JWKS_URL, DESK_ENVIRONMENT="production"
    )

    assert settings.jwks_url == JWKS_URL
