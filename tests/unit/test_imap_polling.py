"""The IMAP polling task outlives what goes wrong in one round, and backs off."""

import asyncio
import time
import uuid

import pytest
from desk_mail_ingest.adapters.repository import Mailbox
from desk_mail_ingest.entrypoints.imap import MAX_BACKOFF_SECONDS, ImapPoller
from desk_mail_ingest.service_layer.intake import Outcome

from tests.conftest import free_port

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


class Silent:
    """A TCP server that accepts and never greets: a stalled IMAP server."""

    def __init__(self) -> None:
        self.accepted: list[float] = []
        self.writers: list[asyncio.StreamWriter] = []
        self.open = 0
        self.left_open = 0
        """Connections the poller had not closed when its round ended."""

    async def hold(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.accepted.append(time.monotonic())
        self.writers.append(writer)
        self.open += 1
        await reader.read()  # until the client, or hang_up, ends the connection
        self.open -= 1

    async def hang_up(self) -> None:
        for writer in self.writers:
            writer.close()
            await writer.wait_closed()


class Recorded:
    """Mailboxes to poll, and when each poll was recorded."""

    def __init__(self, mailboxes: list[Mailbox]) -> None:
        self.mailboxes = mailboxes
        self.recorded: dict[uuid.UUID, float] = {}

    async def polled(self) -> list[Mailbox]:
        return self.mailboxes

    async def polled_now(self, mailbox_id: uuid.UUID, error: str | None) -> None:
        assert error is not None
        self.recorded[mailbox_id] = time.monotonic()


def imap_mailbox(port: int) -> Mailbox:
    return Mailbox(
        id=uuid.uuid4(),
        address=f"box-{port}@desk.example",
        tenant_id="t",
        default_topic_id=None,
        active=True,
        imap_host="127.0.0.1",
        imap_port=port,
        imap_user="desk",
        imap_password="secret",
        imap_folder="INBOX",
        imap_tls=False,
    )


async def poll_stalled(count: int, *others: Mailbox) -> tuple[Recorded, Silent]:
    """One round over ``count`` mailboxes of a stalled server, then ``others``."""
    silent = Silent()
    server = await asyncio.start_server(silent.hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    admin = Recorded([imap_mailbox(port) for _ in range(count)] + list(others))
    poller = ImapPoller(NoMail(), admin, interval=1, timeout=0.5, concurrency=2)
    async with server:
        await poller.poll_all()
        await asyncio.sleep(0.05)  # for the server to see the client hang up
        silent.left_open = silent.open
        await silent.hang_up()
    return admin, silent


async def test_a_stalled_server_delays_only_its_own_mailbox() -> None:
    unreachable = imap_mailbox(free_port())
    started = time.monotonic()

    admin, _ = await poll_stalled(1, unreachable)

    assert admin.recorded[unreachable.id] - started < 0.4  # not after the timeout
    assert len(admin.recorded) == 2


async def test_no_more_mailboxes_are_polled_at_once_than_the_limit() -> None:
    admin, silent = await poll_stalled(3)

    first, second, third = silent.accepted
    assert second - first < 0.4
    assert third - first >= 0.45  # once a poll before it timed out, after 0.5 s
    assert len(admin.recorded) == 3


async def test_the_connection_to_a_stalled_server_is_closed_after_its_poll() -> None:
    _, silent = await poll_stalled(2)

    assert silent.left_open == 0
