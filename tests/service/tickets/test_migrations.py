"""The migrations build exactly the schema the code declares."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from desk_tickets.adapters.tables import metadata
from desk_tickets.config import TicketsSettings
from sqlalchemy.ext.asyncio import create_async_engine


async def test_the_migrated_database_matches_the_tables(
    tickets_settings: TicketsSettings,
) -> None:
    engine = create_async_engine(
        tickets_settings.database_url(tickets_settings.tickets_database)
    )

    async with engine.connect() as conn:
        differences = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )
    await engine.dispose()

    assert differences == []
