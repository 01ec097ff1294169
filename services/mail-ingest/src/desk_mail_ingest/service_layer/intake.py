"""Receiving one message: keep it, decide its fate, and announce it if accepted.

Every message is stored first (raw bytes in the blob store), then one transaction
writes its row (accepted, ignored or quarantined, with the reason) and, when
accepted, its ``mail.received.v1`` event in the outbox. A caller that gets no
exception may tell the sender the message is safe; nothing is dropped unrecorded.

Only an outage raises (``StorageUnavailable``, so that the sender retries). A
message that makes processing fail for its own reasons (the database refuses one
of its values, a library trips on it) is quarantined with the reason instead:
retried, it would fail again forever and hold up the mail behind it.

An operator may replay a quarantined message, or one screening ignored as
automatic mail or a bounce (screening is then skipped); a duplicate or the desk's
own mail coming back stays as it is.
"""

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from desk_infra.blobs import BlobError, BlobStore
from desk_infra.logs import current_log_context
from desk_infra.outbox import Outbox
from helpdesk_contracts import Envelope
from helpdesk_contracts.envelope import new_event_id
from helpdesk_contracts.mail.threading import ticket_of
from helpdesk_contracts.mail.v1 import MailAttachment, MailReceived
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from desk_mail_ingest.adapters.repository import (
    Mailbox,
    MailboxRepository,
    MessageRepository,
)
from desk_mail_ingest.domain import parsing, replies, screening
from desk_mail_ingest.domain.errors import (
    MailIngestError,
    StorageUnavailable,
    UnknownMailbox,
    Unparseable,
)

log = logging.getLogger(__name__)

SOURCE = "mail-ingest"
RATE_WINDOW_SECONDS = 60.0
MAILBOX_SECONDS = 5.0
_REASON_LENGTH = 500
# SQLSTATE classes of a value the database will never take: data exceptions (a
# NUL in text, bad encoding) and program limits (an index entry too large).
_REFUSED_VALUE_CLASSES = ("22", "54")


@dataclass(frozen=True)
class Outcome:
    mail_id: uuid.UUID
    status: str
    reason: str | None = None


@dataclass(frozen=True)
class _Replay:
    """The fate a replayed message had: it is decided again only while it has it."""

    status: str
    reason: str | None

    @property
    def screened(self) -> bool:
        return self.status == "ignored"


REPLAYABLE_IGNORED = ("automatic:", "bounce:")
"""Reasons of ignored mail a replay takes in: screening may misjudge a person."""


def replayable(status: str, reason: str | None) -> bool:
    """Whether an operator's replay processes a message with this fate again."""
    if status == "quarantined":
        return True
    return status == "ignored" and (reason or "").startswith(REPLAYABLE_IGNORED)


@dataclass(frozen=True)
class Limits:
    rate_per_minute: int = 30
    max_bytes: int = 30 * 1024 * 1024


class MailIntake:
    """The use cases of inbound mail, over the mail database and the blob store."""

    def __init__(
        self, engine: AsyncEngine, blobs: BlobStore, outbox: Outbox, limits: Limits
    ) -> None:
        self._engine = engine
        self._blobs = blobs
        self._outbox = outbox
        self.limits = limits
        self._mailboxes: dict[str, tuple[float, Mailbox]] = {}

    async def mailbox(self, address: str) -> Mailbox:
        """The active mailbox of ``address``; ``UnknownMailbox`` if there is none.

        A mailbox found is remembered for ``MAILBOX_SECONDS`` (every SMTP recipient
        asks), so a change made through the API takes effect within that time.
        """
        key = address.strip().lower()
        cached = self._mailboxes.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        async with self._connect() as conn:
            mailbox = await MailboxRepository(conn).by_address(key)
        if mailbox is None or not mailbox.active:
            self._mailboxes.pop(key, None)
            raise UnknownMailbox(address)
        self._mailboxes[key] = (time.monotonic() + MAILBOX_SECONDS, mailbox)
        return mailbox

    async def receive(
        self,
        raw: bytes,
        mailbox: Mailbox,
        *,
        source: str,
        envelope_sender: str | None = None,
    ) -> Outcome:
        """Keep ``raw`` and record its fate; raises only when it could not be kept."""
        if envelope_sender is not None:
            envelope_sender = _text(envelope_sender)
        mail_id = new_event_id()
        raw_key = f"mail/{mailbox.id}/{mail_id}/raw.eml"
        await self._put(raw_key, raw)
        row = {
            "id": mail_id,
            "mailbox_id": mailbox.id,
            "tenant_id": mailbox.tenant_id,
            "source": source,
            "envelope_from": envelope_sender,
            "size": len(raw),
            "raw_blob_key": raw_key,
        }
        outcome = await self._decide_safely(
            raw, mailbox, row, envelope_sender, rated=True
        )
        log.info(
            "mail %s from %s %s (%s)",
            mail_id,
            row.get("from_address") or "?",
            outcome.status,
            outcome.reason or "-",
        )
        return outcome

    async def replay(self, mail_id: uuid.UUID) -> Outcome:
        """Process a quarantined or screened-out message again, without the rate
        limit; other messages are left as they are and their fate answered.

        An operator replays after looking at it, so a message without a readable
        sender goes on as from an unknown sender instead of back to quarantine,
        and one screening ignored is not screened again. Its fate is written
        under the row's lock, only while it still has the fate it had: of two
        replays at once, one decides and announces it.
        """
        async with self._connect() as conn:
            stored = await MessageRepository(conn).get(mail_id)
            mailbox = await MailboxRepository(conn).get(stored.mailbox_id)
        assert mailbox is not None  # the foreign key guarantees it
        if not replayable(stored.status, stored.reason):
            return Outcome(mail_id, stored.status, stored.reason)
        raw = await self._read(stored.raw_blob_key)
        row: dict[str, object] = {
            "id": mail_id,
            "tenant_id": mailbox.tenant_id,
            "raw_blob_key": stored.raw_blob_key,
        }
        was = _Replay(stored.status, stored.reason)
        outcome = await self._decide_safely(
            raw, mailbox, row, stored.envelope_from, rated=False, replay=was
        )
        log.info(
            "mail %s replayed: was %s (%s), now %s (%s)",
            mail_id,
            was.status,
            was.reason or "-",
            outcome.status,
            outcome.reason or "-",
        )
        return outcome

    # --- deciding ---------------------------------------------------------------

    async def _decide_safely(
        self,
        raw: bytes,
        mailbox: Mailbox,
        row: dict[str, object],
        envelope_sender: str | None,
        *,
        rated: bool,
        replay: _Replay | None = None,
    ) -> Outcome:
        """``_decide``; a message that makes it fail for its own sake is quarantined."""
        try:
            return await self._decide(
                raw, mailbox, row, envelope_sender, rated=rated, replay=replay
            )
        except _Refused as exc:
            reason = f"not storable: {exc}"
        except MailIngestError:
            raise
        # Isolation: whatever a message makes fail must quarantine it (kept, listed,
        # replayable after a fix); raised, its sender or poller would retry forever.
        except Exception as exc:
            log.exception("mail %s could not be processed", row["id"])
            reason = f"failed: {exc!r}"
        bare = _bare(row, raw)
        return await self._record(
            bare, "quarantined", _text(reason)[:_REASON_LENGTH], replay, last=True
        )

    async def _decide(
        self,
        raw: bytes,
        mailbox: Mailbox,
        row: dict[str, object],
        envelope_sender: str | None,
        *,
        rated: bool,
        replay: _Replay | None = None,
    ) -> Outcome:
        mail_id = row["id"]
        assert isinstance(mail_id, uuid.UUID)
        try:
            mail = parsing.parse(raw)
        except Unparseable as exc:
            row |= {"message_id": parsing.synthetic_message_id(raw)}
            return await self._record(row, "quarantined", f"unparseable: {exc}", replay)
        # Isolation: a library failing on some message must quarantine it (kept,
        # listed, replayable after a fix), not bounce it back to its sender.
        except Exception as exc:
            log.exception("mail %s could not be parsed", mail_id)
            row |= {"message_id": parsing.synthetic_message_id(raw)}
            reason = f"parse failed: {exc!r}"[:_REASON_LENGTH]
            return await self._record(row, "quarantined", reason, replay)
        fallback = (envelope_sender or "").strip("<> ").lower()
        if not mail.from_address and parsing.is_address(fallback):
            mail.from_address = fallback
        row |= {
            "message_id": mail.message_id,
            "from_address": mail.from_address,
            "subject": mail.subject[:998],
        }
        if len(raw) > self.limits.max_bytes:
            reason = f"too large: {len(raw)} bytes"
            return await self._record(row, "quarantined", reason, replay)
        screened = replay is not None and replay.screened
        ignored = (
            None
            if screened
            else screening.ignore_reason(mail, envelope_sender, mailbox.address)
        )
        if ignored:
            return await self._record(row, "ignored", ignored, replay)
        if not mail.from_address and replay is None:
            return await self._record(row, "quarantined", "no sender address", replay)
        return await self._accept(mail, mailbox, row, rated=rated, replay=replay)

    async def _accept(
        self,
        mail: parsing.ParsedMail,
        mailbox: Mailbox,
        row: dict[str, object],
        *,
        rated: bool,
        replay: _Replay | None,
    ) -> Outcome:
        mail_id = row["id"]
        assert isinstance(mail_id, uuid.UUID)
        async with self._connect() as conn:
            duplicate, sent = await MessageRepository(conn).seen(
                mailbox, mail.message_id, mail.from_address, RATE_WINDOW_SECONDS
            )
        if duplicate:
            return await self._record(row, "ignored", "duplicate", replay)
        if rated and mail.from_address and sent >= self.limits.rate_per_minute:
            return await self._record(row, "quarantined", "rate-limited", replay)
        attachments = await self._store_parts(mail, mailbox, mail_id)
        event = _event(
            mail, mailbox, mail_id, str(row.get("raw_blob_key") or ""), attachments
        )
        return await self._record(row, "accepted", None, replay, event, rated=rated)

    async def _record(
        self,
        row: dict[str, object],
        status: str,
        reason: str | None,
        replay: _Replay | None,
        event: MailReceived | None = None,
        *,
        last: bool = False,
        rated: bool = False,
    ) -> Outcome:
        """Write the row (and event); ``last`` is the bare row of a refused one.

        An accepted message that is ``rated`` is counted against its sender's
        limit again here, under a lock on the sender: the count made before its
        parts were stored cannot see messages of the same flood that parallel
        SMTP sessions are writing.
        """
        mail_id = row["id"]
        assert isinstance(mail_id, uuid.UUID)
        try:
            async with self._engine.begin() as conn:
                repo = MessageRepository(conn)
                if replay is not None:
                    # The row lock makes a replay once: a concurrent one waits
                    # here, then finds the message settled and leaves it be.
                    current = await repo.get(mail_id, for_update=True)
                    if (current.status, current.reason) != (
                        replay.status,
                        replay.reason,
                    ):
                        return Outcome(mail_id, current.status, current.reason)
                    reason = reason or _replayed(replay)
                    await repo.settle(mail_id, status, reason)
                else:
                    if rated and event is not None and await self._flooded(repo, row):
                        status, reason, event = "quarantined", "rate-limited", None
                    if not await repo.add({**row, "status": status, "reason": reason}):
                        return await self._record(row, "ignored", "duplicate", replay)
                if event is not None:
                    await self._outbox.add(conn, [_envelope(event, mail_id, row)])
        except DBAPIError as exc:
            if not last and _refuses_the_value(exc):
                raise _Refused(_first_line(str(exc.orig))) from exc
            raise StorageUnavailable(f"mail database: {exc}") from exc
        except (SQLAlchemyError, OSError) as exc:
            raise StorageUnavailable(f"mail database: {exc}") from exc
        return Outcome(mail_id, status, reason)

    async def _flooded(self, repo: MessageRepository, row: dict[str, object]) -> bool:
        """Whether the sender reached the limit; holds their lock until commit."""
        mailbox_id, sender = row["mailbox_id"], str(row.get("from_address") or "")
        assert isinstance(mailbox_id, uuid.UUID)
        if not sender:
            return False
        await repo.lock_sender(mailbox_id, sender)
        sent = await repo.sent_recently(mailbox_id, sender, RATE_WINDOW_SECONDS)
        return sent >= self.limits.rate_per_minute

    async def _store_parts(
        self, mail: parsing.ParsedMail, mailbox: Mailbox, mail_id: uuid.UUID
    ) -> list[MailAttachment]:
        """Store every part at once: each write waits on its own fsync."""
        keys = [
            f"mail/{mailbox.id}/{mail_id}/part-{number}"
            for number in range(1, len(mail.parts) + 1)
        ]
        await asyncio.gather(
            *(
                self._put(key, part.data)
                for key, part in zip(keys, mail.parts, strict=True)
            )
        )
        return [
            MailAttachment(
                blob_key=key,
                filename=part.filename,
                content_type=part.content_type,
                size=len(part.data),
                inline=part.inline,
                content_id=part.content_id,
            )
            for key, part in zip(keys, mail.parts, strict=True)
        ]

    # --- storage ----------------------------------------------------------------

    def _connect(self) -> "_Connection":
        return _Connection(self._engine)

    async def _put(self, key: str, data: bytes) -> None:
        try:
            await self._blobs.put(key, data)
        except (BlobError, OSError) as exc:
            raise StorageUnavailable(f"blob store: {exc}") from exc

    async def _read(self, key: str) -> bytes:
        try:
            return b"".join([chunk async for chunk in await self._blobs.open(key)])
        except (BlobError, OSError) as exc:
            raise StorageUnavailable(f"blob store: {exc}") from exc


def _replayed(replay: _Replay) -> str:
    """What a replayed message's row keeps of the fate it had."""
    return f"replayed, was {replay.status}: {replay.reason or '-'}"[:_REASON_LENGTH]


class _Refused(Exception):
    """The database refused a value of the message: it will never take it."""


def _refuses_the_value(exc: DBAPIError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    return str(sqlstate)[:2] in _REFUSED_VALUE_CLASSES


def _bare(row: dict[str, object], raw: bytes) -> dict[str, object]:
    """``row`` without what the message said: what any database takes."""
    kept = {k: v for k, v in row.items() if k not in ("from_address", "subject")}
    return kept | {"message_id": parsing.synthetic_message_id(raw)}


def _first_line(message: str) -> str:
    lines = _text(message).strip().splitlines()
    return lines[0] if lines else "refused"


def _text(value: str) -> str:
    """``value`` without NUL characters, which no text column holds."""
    return value.replace("\x00", "")


class _Connection:
    """A connection whose database errors surface as ``StorageUnavailable``."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None

    async def __aenter__(self) -> AsyncConnection:
        try:
            self._conn = await self._engine.connect()
        except (DBAPIError, SQLAlchemyError, OSError) as exc:
            raise StorageUnavailable(f"mail database: {exc}") from exc
        return self._conn

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        assert self._conn is not None
        await self._conn.close()
        if isinstance(exc, DBAPIError | SQLAlchemyError | OSError):
            raise StorageUnavailable(f"mail database: {exc}") from exc


def _event(
    mail: parsing.ParsedMail,
    mailbox: Mailbox,
    mail_id: uuid.UUID,
    raw_key: str,
    attachments: list[MailAttachment],
) -> MailReceived:
    thread = [*mail.references, *([mail.in_reply_to] if mail.in_reply_to else [])]
    return MailReceived(
        mail_id=mail_id,
        message_id=mail.message_id,
        mailbox=mailbox.address,
        default_topic_id=mailbox.default_topic_id,
        from_address=mail.from_address,
        from_name=mail.from_name,
        subject=mail.subject,
        body=replies.latest_reply(mail.text),
        full_body=mail.text,
        in_reply_to=mail.in_reply_to,
        references=mail.references,
        ticket_id=ticket_of(thread),
        ticket_reference=mail.ticket_reference,
        attachments=attachments,
        raw_blob_key=raw_key,
        received_at=datetime.now(UTC),
    )


def _envelope(
    event: MailReceived, mail_id: uuid.UUID, row: dict[str, object]
) -> Envelope[MailReceived]:
    tenant = row.get("tenant_id")
    return Envelope.wrap(
        event,
        source=SOURCE,
        tenant_id=str(tenant) if tenant else "",
        aggregate_id=str(mail_id),
        aggregate_version=1,
        correlation_id=current_log_context().get("correlation_id"),
    )
