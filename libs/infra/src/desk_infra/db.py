"""Async SQLAlchemy over asyncpg, and creating a service's own database."""

from datetime import datetime

import asyncpg
from sqlalchemy import Column, DateTime, func
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from desk_infra.settings import ServiceSettings


def stamped_now(name: str) -> Column[datetime]:
    """A timestamptz column that the database fills with the time of insert."""
    return Column(
        name, DateTime(timezone=True), nullable=False, server_default=func.now()
    )


def create_engine(settings: ServiceSettings, database: str) -> AsyncEngine:
    return create_async_engine(
        settings.database_url(database),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        # No pre-ping: it costs a round trip per checkout on the hot path. A
        # connection broken by a database restart fails one call and is replaced.
        pool_pre_ping=False,
        pool_recycle=1800,
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def asyncpg_dsn(settings: ServiceSettings, database: str) -> str:
    """The plain ``postgresql://`` DSN asyncpg itself accepts (for LISTEN)."""
    url = make_url(settings.database_url(database)).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


async def ensure_database(settings: ServiceSettings, database: str) -> bool:
    """Create ``database`` on the server unless it exists; true when it was created."""
    conn = await asyncpg.connect(asyncpg_dsn(settings, "postgres"))
    try:
        exists = await conn.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", database
        )
        if exists:
            return False
        try:
            # Identifiers cannot be bound as parameters; quote_ident guards the name.
            quoted = await conn.fetchval("SELECT quote_ident($1)", database)
            await conn.execute(f"CREATE DATABASE {quoted}")
        except asyncpg.DuplicateDatabaseError:
            return False
        return True
    finally:
        await conn.close()
