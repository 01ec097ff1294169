"""Many concurrent callers' small writes as a few large statements.

A worker handles up to a prefetch's worth of events at once; each would otherwise
make its own round trips to PostgreSQL. Requests that arrive while a statement
is in flight wait for the next one, which carries them all: no timer, so a lone
request goes out at once, and a busy worker makes few, full statements.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

RequestT = TypeVar("RequestT")
ResultT = TypeVar("ResultT")

Run = Callable[[Sequence[RequestT]], Awaitable[Sequence[ResultT]]]


class Coalescer(Generic[RequestT, ResultT]):
    """Runs requests in batches of at most ``limit``, ``in_flight`` batches at once."""

    def __init__(
        self, run: Run[RequestT, ResultT], *, limit: int = 200, in_flight: int = 2
    ) -> None:
        self._run = run
        self._limit = limit
        self._slots = in_flight
        self._pending: list[tuple[RequestT, asyncio.Future[ResultT]]] = []
        self._draining: set[asyncio.Task[None]] = set()
        """Strong references: the loop keeps only weak ones to running tasks."""

    async def submit(self, request: RequestT) -> ResultT:
        """The result of ``request``, run with whatever else is waiting."""
        future: asyncio.Future[ResultT] = asyncio.get_running_loop().create_future()
        self._pending.append((request, future))
        if self._slots:
            self._slots -= 1
            task = asyncio.get_running_loop().create_task(self._drain())
            self._draining.add(task)
            task.add_done_callback(self._draining.discard)
        return await future

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch = self._pending[: self._limit]
                del self._pending[: self._limit]
                await self._settle(batch)
        finally:
            self._slots += 1

    async def _settle(
        self, batch: list[tuple[RequestT, asyncio.Future[ResultT]]]
    ) -> None:
        try:
            results = await self._run([request for request, _ in batch])
        except asyncio.CancelledError:
            for _, future in batch:
                future.cancel()
            raise
        # Whatever went wrong belongs to every caller of the batch, who decide.
        except Exception as exc:  # noqa: BLE001
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
