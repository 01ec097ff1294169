"""The IMAP poller: fetches unseen mail from the mailboxes that have IMAP settings.

Each message is fetched without marking it, handed to the intake, and only then
flagged ``\\Seen``: a crash in between fetches it again, and the duplicate is
recognised by its Message-ID.
"""

import asyncio
import logging
import re

import aioimaplib

from desk_mail_ingest.adapters.repository import Mailbox
from desk_mail_ingest.domain.errors import MailIngestError, StorageUnavailable
from desk_mail_ingest.service_layer.intake import MailIntake
from desk_mail_ingest.service_layer.mailboxes import MailboxAdmin

log = logging.getLogger(__name__)

_LITERAL = re.compile(rb"\{\d+\}$")


class ImapFailed(MailIngestError):
    """The IMAP server refused a command or could not be reached."""


class ImapPoller:
    def __init__(
        self,
        intake: MailIntake,
        admin: MailboxAdmin,
        *,
        interval: float,
        timeout: float,
    ) -> None:
        self._intake = intake
        self._admin = admin
        self._interval = interval
        self._timeout = timeout

    async def run(self) -> None:
        """Poll every mailbox, then wait the interval; until cancelled."""
        while True:
            await self.poll_all()
            await asyncio.sleep(self._interval)

    async def poll_all(self) -> int:
        try:
            mailboxes = await self._admin.polled()
        except StorageUnavailable as exc:
            log.warning("cannot list IMAP mailboxes: %s", exc)
            return 0
        fetched = 0
        for mailbox in mailboxes:
            fetched += await self.poll(mailbox)
        return fetched

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
        await self._admin.polled_now(mailbox.id, error)
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
        await client.wait_hello_from_server()
        try:
            _check(await client.login(mailbox.imap_user, mailbox.imap_password or ""))
            _check(await client.select(mailbox.imap_folder))
            found = _check(await client.uid_search("UNSEEN", charset=None))
            uids = found.lines[0].decode().split() if found.lines else []
            for uid in uids:
                raw = _literal(_check(await client.uid("fetch", uid, "(BODY.PEEK[])")))
                await self._intake.receive(raw, mailbox, source="imap")
                _check(await client.uid("store", uid, "+FLAGS", "(\\Seen)"))
            return len(uids)
        finally:
            try:
                await client.logout()
            except (aioimaplib.AioImapException, OSError, TimeoutError) as exc:
                log.debug("IMAP logout failed: %r", exc)


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
