"""The IMAP polling task outlives what goes wrong in one round, and backs off."""

import asyncio
import time
import uuid

import pytest
from desk_mail_ingest.adapters.repository import Mailbox
from desk_mail_ingest.entrypoints.imap import MAX_BACKOFF_SECONDS, ImapPoller
from desk_mail_ingest.service_layer.intake import Outcome

INTERVAL = 0.01


class NoMail:
    """An intake that is never handed a message in these tests."""

    async def receive(
        self,
        raw: bytes,
        mailbox: Mailbox,
        *,
        source: str,
        envelope_sender: str | None = None,
    ) -> Outcome:
        raise AssertionError("no message expected")


class FlakyMailboxes:
    """Mailbox listing that fails unexpectedly in its first round, then works."""

    def __init__(self, rounds: int) -> None:
        self.calls: list[float] = []
        self.rounds = rounds
        self.done = asyncio.Event()

    async def polled(self) -> list[Mailbox]:
        self.calls.append(time.monotonic())
        if len(self.calls) >= self.rounds:
            self.done.set()
        if len(self.calls) == 1:
            raise RuntimeError("an unforeseen fault")
        return []

    async def polled_now(self, mailbox_id: uuid.UUID, error: str | None) -> None:
        raise AssertionError("no mailbox to record")


async def test_an_unexpected_error_is_logged_and_polling_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    mailboxes = FlakyMailboxes(rounds=3)
    poller = ImapPoller(NoMail(), mailboxes, interval=INTERVAL, timeout=1)

    task = asyncio.create_task(poller.run())
    try:
        await asyncio.wait_for(mailboxes.done.wait(), timeout=10)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    [failure] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "IMAP polling failed" in failure.getMessage()
    assert failure.exc_info is not None
    first, second, _ = mailboxes.calls
    assert second - first >= 2 * INTERVAL  # the round after a failure waits longer


def test_the_pause_doubles_with_each_failed_round_up_to_a_bound() -> None:
    poller = ImapPoller(NoMail(), FlakyMailboxes(rounds=1), interval=30, timeout=1)

    pauses = [poller.pause(failures) for failures in (0, 1, 2, 3, 100)]

    assert pauses == [30, 60, 120, 240, MAX_BACKOFF_SECONDS]
