"""Concurrent requests share statements; a failure reaches every caller of its batch."""

import asyncio
from collections.abc import Sequence

import pytest
from desk_notifications.adapters.coalescer import Coalescer


async def test_requests_made_while_one_runs_share_the_next_batch() -> None:
    batches: list[list[int]] = []

    async def run(requests: Sequence[int]) -> list[int]:
        batches.append(list(requests))
        await asyncio.sleep(0.01)
        return [r * 10 for r in requests]

    coalescer: Coalescer[int, int] = Coalescer(run, in_flight=1)

    first = [asyncio.create_task(coalescer.submit(n)) for n in range(3)]
    await asyncio.sleep(0.001)  # the first statement is now in flight
    later = [asyncio.create_task(coalescer.submit(n)) for n in range(3, 5)]

    results = await asyncio.gather(*first, *later)

    assert results == [0, 10, 20, 30, 40]
    assert batches == [[0, 1, 2], [3, 4]]


async def test_a_failed_batch_fails_each_of_its_callers() -> None:
    async def run(requests: Sequence[int]) -> list[int]:
        raise ConnectionError("database gone")

    coalescer: Coalescer[int, int] = Coalescer(run)

    outcomes = await asyncio.gather(
        *(coalescer.submit(n) for n in range(3)), return_exceptions=True
    )

    assert all(isinstance(o, ConnectionError) for o in outcomes)
    with pytest.raises(ConnectionError):
        await coalescer.submit(9)
