"""Where the tests find PostgreSQL and RabbitMQ.

``DESK_PG_URL`` and ``DESK_AMQP_URL`` name them; when neither is set and a Docker
engine answers, testcontainers starts both; otherwise the local defaults are used.
An unreachable server fails the session: these tests never skip for lack of one.
"""

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432"
DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"


def _docker_available() -> bool:
    return Path("/var/run/docker.sock").exists() or "DOCKER_HOST" in os.environ


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or 0), 3
        ):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def servers() -> Iterator[dict[str, str]]:
    """The PostgreSQL and RabbitMQ URLs, checked to answer."""
    pg = os.environ.get("DESK_PG_URL")
    amqp = os.environ.get("DESK_AMQP_URL")
    if pg is None and amqp is None and _docker_available():
        from testcontainers.postgres import PostgresContainer
        from testcontainers.rabbitmq import RabbitMqContainer

        with (
            PostgresContainer("postgres:15") as pgc,
            RabbitMqContainer("rabbitmq:3.13") as mq,
        ):
            url = pgc.get_connection_url().replace("+psycopg2", "")
            yield {
                "pg": url.rsplit("/", 1)[0],
                "amqp": f"amqp://guest:guest@{mq.get_container_host_ip()}:"
                f"{mq.get_exposed_port(5672)}/",
            }
        return
    found = {"pg": pg or DEFAULT_PG, "amqp": amqp or DEFAULT_AMQP}
    for name, url in found.items():
        if not _reachable(url):
            pytest.fail(f"{name} is not reachable at {url}: start it (see README)")
    yield found


@pytest.fixture(scope="session", autouse=True)
def _environment(servers: dict[str, str]) -> None:
    os.environ["DESK_PG_URL"] = servers["pg"]
    os.environ["DESK_AMQP_URL"] = servers["amqp"]
    os.environ.setdefault("DESK_ENVIRONMENT", "test")
    # Each service app under test and each process of the e2e desk holds a pool
    # for the whole session: small ones keep them all within PostgreSQL's
    # default 100 connections.
    os.environ.setdefault("DESK_DB_POOL_SIZE", "4")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unique(prefix: str) -> str:
    """A fresh name, so that tests never see each other's data."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
