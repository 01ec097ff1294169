"""The inbox on PostgreSQL: a message takes effect once per consumer."""

import asyncio
import uuid

from desk_infra.db import create_sessionmaker
from desk_infra.inbox import first_delivery
from sqlalchemy import select

from tests.service.infra.support import Store


async def test_a_message_is_a_first_delivery_once_per_consumer(db: Store) -> None:
    message_id = uuid.uuid4()
    sessions = create_sessionmaker(db.engine)

    async with sessions.begin() as session:
        first = await first_delivery(session, db.inbox, "consumer-a", message_id)
    async with sessions.begin() as session:
        again = await first_delivery(session, db.inbox, "consumer-a", message_id)
    async with db.engine.begin() as conn:
        other_consumer = await first_delivery(conn, db.inbox, "consumer-b", message_id)

    assert (first, again, other_consumer) == (True, False, True)


async def test_a_rolled_back_effect_leaves_the_message_to_be_processed_again(
    db: Store,
) -> None:
    message_id = uuid.uuid4()

    async with db.engine.connect() as conn:
        crashed = await first_delivery(conn, db.inbox, "consumer-a", message_id)
        await conn.rollback()  # the effect failed: nothing was recorded
    async with db.engine.begin() as conn:
        redelivered = await first_delivery(conn, db.inbox, "consumer-a", message_id)

    assert (crashed, redelivered) == (True, True)


async def test_concurrent_deliveries_of_one_message_take_effect_once(
    db: Store,
) -> None:
    message_id = uuid.uuid4()

    async with db.engine.connect() as first, db.engine.connect() as second:
        won = await first_delivery(first, db.inbox, "consumer-a", message_id)
        # The second waits on the first's uncommitted row, then sees it committed.
        racing = asyncio.create_task(
            first_delivery(second, db.inbox, "consumer-a", message_id)
        )
        await asyncio.sleep(0.2)
        still_waiting = not racing.done()
        await first.commit()
        lost = await racing
        await second.commit()
    async with db.engine.connect() as conn:
        recorded = (await conn.scalars(select(db.inbox.c.message_id))).all()

    assert (won, still_waiting, lost) == (True, True, False)
    assert recorded == [message_id]
