"""The IMAP poller: fetches unseen mail from the mailboxes that have IMAP settings.

Each message is fetched without marking it, handed to the intake, and only then
flagged ``\\Seen``: a crash in between fetches it again, and the duplicate is
recognised by its Message-ID. A message the server will not hand over is skipped
(left unseen) for the next; the intake quarantines one it cannot process, so only
a storage outage ends a poll early. An unforeseen error is logged and recorded on
its mailbox, and polling goes on, waiting longer after each failed round.

The mailboxes of a round are polled side by side, at most ``concurrency`` at a
time, so that one slow or unreachable server holds up only its own mailbox.
"""

import asyncio
import logging
import re
import uuid
from typing import Protocol

import aioimaplib

from desk_mail_ingest.adapters.repository import Mailbox
from desk_mail_ingest.domain.errors import MailIngestError, StorageUnavailable
from desk_mail_ingest.service_layer.intake import Outcome

log = logging.getLogger(__name__)

_LITERAL = re.compile(rb"\{\d+\}$")
MAX_BACKOFF_SECONDS = 600.0


class ImapFailed(MailIngestError):
    """The IMAP server refused a command or could not be reached."""


class Intake(Protocol):
    """The use case the poller hands messages to (``MailIntake``)."""

    async def receive(
        self,
        raw: bytes,
        mailbox: Mailbox,
        *,
        source: str,
        envelope_sender: str | None = None,
    ) -> Outcome: ...


class PolledMailboxes(Protocol):
    """The mailboxes to poll and their poll record (``MailboxAdmin``)."""

    async def polled(self) -> list[Mailbox]: ...

    async def polled_now(self, mailbox_id: uuid.UUID, error: str | None) -> None: ...


class ImapPoller:
    def __init__(
        self,
        intake: Intake,
        admin: PolledMailboxes,
        *,
        interval: float,
        timeout: float,
        concurrency: int = 4,
    ) -> None:
        self._intake = intake
        self._admin = admin
        self._interval = interval
        self._timeout = timeout
        self._concurrency = concurrency

    async def run(self) -> None:
        """Poll every mailbox, then wait the interval; until cancelled."""
        failures = 0
        while True:
            try:
                await self.poll_all()
                failures = 0
            # Isolation: this task is the process's only poller; an unforeseen error
            # ending it would stop all IMAP intake without a word.
            except Exception:
                failures += 1
                log.exception("IMAP polling failed (%d rounds in a row)", failures)
            await asyncio.sleep(self.pause(failures))

    def pause(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failed rounds in a row: doubling."""
        longest = max(self._interval, MAX_BACKOFF_SECONDS)
        return float(min(self._interval * 2 ** min(failures, 32), longest))

    async def poll_all(self) -> int:
        try:
            mailboxes = await self._admin.polled()
        except StorageUnavailable as exc:
            log.warning("cannot list IMAP mailboxes: %s", exc)
            return 0
        turns = asyncio.Semaphore(self._concurrency)

        async def poll_in_turn(mailbox: Mailbox) -> int:
            async with turns:
                return await self.poll(mailbox)

        return sum(await asyncio.gather(*(poll_in_turn(m) for m in mailboxes)))

    async def poll(self, mailbox: Mailbox) -> int:
        """Fetch the unseen messages of one mailbox; returns how many were taken."""
        error = None
        taken = 0
        try:
            taken = await self._fetch(mailbox)
        except (ImapFailed, aioimaplib.AioImapException, OSError, TimeoutError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.warning("IMAP poll of %s failed: %s", mailbox.address, error)
        except StorageUnavailable as exc:
            error = str(exc)
            log.warning(
                "IMAP mail of %s not stored, kept unseen: %s", mailbox.address, exc
            )
        # Isolation: a fault one mailbox's server or mail trips must not keep the
        # other mailboxes from being polled; it is shown on the mailbox.
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.exception("IMAP poll of %s failed", mailbox.address)
        await self._record(mailbox, error)
        if taken:
            log.info("fetched %d messages from %s", taken, mailbox.address)
        return taken

    async def _fetch(self, mailbox: Mailbox) -> int:
        assert mailbox.imap_host
        assert mailbox.imap_user
        kind = aioimaplib.IMAP4_SSL if mailbox.imap_tls else aioimaplib.IMAP4
        client = kind(
            host=mailbox.imap_host,
            port=mailbox.imap_port or (993 if mailbox.imap_tls else 143),
            timeout=self._timeout,
        )
        try:
            await client.wait_hello_from_server()
            return await self._fetch_unseen(client, mailbox)
        finally:
            _hang_up(client)

    async def _fetch_unseen(self, client: aioimaplib.IMAP4, mailbox: Mailbox) -> int:
        assert mailbox.imap_user
        try:
            _check(await client.login(mailbox.imap_user, mailbox.imap_password or ""))
            _check(await client.select(mailbox.imap_folder))
            found = _check(await client.uid_search("UNSEEN", charset=None))
            uids = found.lines[0].decode().split() if found.lines else []
            taken = 0
            for uid in uids:
                taken += await self._take(client, mailbox, uid)
            return taken
        finally:
            try:
                await client.logout()
            except (aioimaplib.AioImapException, OSError, TimeoutError) as exc:
                log.debug("IMAP logout failed: %r", exc)

    async def _take(self, client: aioimaplib.IMAP4, mailbox: Mailbox, uid: str) -> bool:
        """Fetch, keep and flag one message; false when it is left for a later poll."""
        try:
            raw = _literal(_check(await client.uid("fetch", uid, "(BODY.PEEK[])")))
        except ImapFailed as exc:
            log.warning("IMAP message %s of %s skipped: %s", uid, mailbox.address, exc)
            return False
        await self._intake.receive(raw, mailbox, source="imap")
        _check(await client.uid("store", uid, "+FLAGS", "(\\Seen)"))
        return True

    async def _record(self, mailbox: Mailbox, error: str | None) -> None:
        try:
            await self._admin.polled_now(mailbox.id, error)
        except StorageUnavailable as exc:
            log.warning("poll of %s not recorded: %s", mailbox.address, exc)


def _hang_up(client: aioimaplib.IMAP4) -> None:
    """Close the connection: aioimaplib leaves it open when a command times out."""
    transport = getattr(client.protocol, "transport", None)
    if transport is not None:
        transport.close()


def _check(response: aioimaplib.Response) -> aioimaplib.Response:
    if response.result != "OK":
        raise ImapFailed(" ".join(_text(line) for line in response.lines))
    return response


def _text(line: bytes | bytearray | str) -> str:
    return line if isinstance(line, str) else bytes(line).decode("utf-8", "replace")


def _literal(response: aioimaplib.Response) -> bytes:
    """The message bytes of a FETCH answer: the literal after ``{size}``."""
    lines = response.lines
    for index, line in enumerate(lines[:-1]):
        if isinstance(line, bytes | bytearray) and _LITERAL.search(
            bytes(line).rstrip()
        ):
            return bytes(lines[index + 1])
    raise ImapFailed("FETCH answer without message bytes")
