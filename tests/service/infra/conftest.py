"""Fixtures of the infrastructure tests: a scratch database, brokers, AMQP channels.

Each test module gets its own database with the outbox and inbox tables (as the
services' migrations create them), emptied before every test; queues and routing
keys are random per test, so runs never see each other's messages.
"""

from collections.abc import AsyncIterator

import aio_pika
import pytest
from aio_pika.abc import AbstractChannel
from desk_infra.db import asyncpg_dsn, create_engine, ensure_database
from desk_infra.inbox import inbox_table
from desk_infra.outbox import OUTBOX_DDL, outbox_table
from desk_infra.settings import ServiceSettings
from faststream.rabbit import RabbitBroker
from pydantic import SecretStr
from sqlalchemy import MetaData, text

from tests.conftest import unique
from tests.service.infra.support import (
    Store,
    connected_broker,
    drop_database,
    effects_table,
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "rabbitmq_restart: stops and restarts the local RabbitMQ (slow, runs in CI)",
    )


@pytest.fixture(scope="session")
def settings(servers: dict[str, str]) -> ServiceSettings:
    return ServiceSettings(
        pg_url=servers["pg"], amqp_url=SecretStr(servers["amqp"]), db_pool_size=5
    )


@pytest.fixture(scope="module")
async def store(settings: ServiceSettings) -> AsyncIterator[Store]:
    name = unique("desk_infra_test").replace("-", "_")
    assert await ensure_database(settings, name)
    engine = create_engine(settings, name)
    metadata = MetaData()
    tables = (
        outbox_table(metadata),
        inbox_table(metadata),
        effects_table(metadata),
    )
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        for statement in OUTBOX_DDL:
            await conn.execute(text(statement))
    yield Store(name, engine, *tables, asyncpg_dsn(settings, name))
    await engine.dispose()
    await drop_database(settings, name)


@pytest.fixture
async def db(store: Store) -> Store:
    """The module's database, with its tables emptied for this test."""
    async with store.engine.begin() as conn:
        await conn.execute(text("TRUNCATE outbox, inbox, effects"))
    return store


@pytest.fixture
async def broker(settings: ServiceSettings) -> AsyncIterator[RabbitBroker]:
    """A service's broker, connected, with the desk's exchanges declared."""
    async with connected_broker(settings) as broker:
        yield broker


@pytest.fixture
async def channel(servers: dict[str, str]) -> AsyncIterator[AbstractChannel]:
    """A plain aio-pika channel for the test's own side of the broker."""
    connection = await aio_pika.connect(servers["amqp"])
    try:
        yield await connection.channel()
    finally:
        await connection.close()
