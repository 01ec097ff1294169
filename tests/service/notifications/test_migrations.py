"""The notifications migrations build exactly the schema the code declares."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from desk_notifications.adapters.tables import metadata
from sqlalchemy.ext.asyncio import AsyncEngine


async def test_the_migrated_database_matches_the_tables(
    notifications_db: AsyncEngine,
) -> None:
    async with notifications_db.connect() as conn:
        differences = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )

    assert differences == []
