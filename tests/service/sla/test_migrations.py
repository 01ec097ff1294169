"""The migrations build exactly the schema the code declares."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from desk_sla.adapters.tables import metadata
from desk_sla.config import SlaSettings
from sqlalchemy.ext.asyncio import create_async_engine


async def test_the_migrated_database_matches_the_tables(
    sla_settings: SlaSettings,
) -> None:
    engine = create_async_engine(sla_settings.database_url(sla_settings.sla_database))

    async with engine.connect() as conn:
        differences = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )
    await engine.dispose()

    assert differences == []
