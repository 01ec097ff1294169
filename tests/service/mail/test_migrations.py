"""The mail database's migrations build exactly the schema the code declares, and
carry the rows they find over."""

import asyncio
import uuid

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from desk_infra.db import ensure_database
from desk_mail_ingest.adapters.tables import metadata
from desk_mail_ingest.config import MailSettings
from desk_mail_ingest.entrypoints.main import MIGRATIONS
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import unique
from tests.service.infra.support import drop_database


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


def upgrade(url: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, revision)


async def test_mail_accepted_by_two_mailboxes_of_a_tenant_is_kept_accepted_once(
    mail_settings: MailSettings,
) -> None:
    name = unique("desk_mail_upgrade").replace("-", "_")
    await ensure_database(mail_settings, name)
    url = mail_settings.database_url(name)
    engine = create_async_engine(url)
    try:
        await asyncio.to_thread(upgrade, url, "0002")
        async with engine.begin() as conn:
            for n, mailbox in enumerate((uuid.uuid4(), uuid.uuid4())):
                await conn.execute(
                    text(
                        "INSERT INTO mailboxes (id, address, tenant_id) "
                        "VALUES (:id, :address, 'acme')"
                    ),
                    {"id": mailbox, "address": f"box{n}@acme.example"},
                )
                await conn.execute(
                    text(
                        "INSERT INTO messages (id, mailbox_id, tenant_id, message_id,"
                        " source, size, raw_blob_key, status, received_at) VALUES"
                        " (gen_random_uuid(), :mailbox, 'acme', '<same@x>', 'smtp',"
                        " 1, 'k', 'accepted', now() + make_interval(secs => :n))"
                    ),
                    {"mailbox": mailbox, "n": n},
                )

        await asyncio.to_thread(upgrade, url, "head")

        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT status, reason FROM messages ORDER BY received_at")
            )
            fates = [tuple(r) for r in rows]
    finally:
        await engine.dispose()
        await drop_database(mail_settings, name)

    assert fates == [
        ("accepted", None),
        ("ignored", "duplicate: accepted by another mailbox of the tenant before"),
    ]
