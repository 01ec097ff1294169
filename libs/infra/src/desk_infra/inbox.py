"""Inbox: which messages a consumer processed, kept in the effect's transaction.

A consumer calls :func:`first_delivery` inside the transaction that applies the
message's effect. A redelivered message finds its row and is skipped; a crash before
commit rolls back both, so the redelivery is processed.
"""

import uuid

from sqlalchemy import Column, MetaData, Table, Text, Uuid
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from desk_infra.db import stamped_now


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("consumer", Text, primary_key=True),
        Column("message_id", Uuid, primary_key=True),
        stamped_now("processed_at"),
    )


async def first_delivery(
    session: AsyncSession | AsyncConnection,
    table: Table,
    consumer: str,
    message_id: uuid.UUID,
) -> bool:
    """Record ``message_id`` for ``consumer``; false when it was processed before."""
    statement = (
        insert(table)
        .values(consumer=consumer, message_id=message_id)
        .on_conflict_do_nothing()
        .returning(table.c.message_id)
    )
    result = await session.execute(statement)
    return result.first() is not None
