"""The mail database's migrations build exactly the schema the code declares."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from desk_mail_ingest.adapters.tables import metadata
from desk_mail_ingest.config import MailSettings
from sqlalchemy.ext.asyncio import create_async_engine


async def test_the_migrated_database_matches_the_tables(
    mail_settings: MailSettings,
) -> None:
    engine = create_async_engine(
        mail_settings.database_url(mail_settings.mail_database)
    )

    async with engine.connect() as conn:
        differences = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )
    await engine.dispose()

    assert differences == []
