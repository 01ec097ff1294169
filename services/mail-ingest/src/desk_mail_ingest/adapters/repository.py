"""Reading and writing the mail database, in SQLAlchemy Core over one connection."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from desk_mail_ingest.adapters.tables import mailboxes, messages
from desk_mail_ingest.domain.errors import NotFound


@dataclass(frozen=True)
class Mailbox:
    id: uuid.UUID
    address: str
    tenant_id: str
    default_topic_id: uuid.UUID | None
    active: bool
    imap_host: str | None
    imap_port: int | None
    imap_user: str | None
    imap_password: str | None
    imap_folder: str
    imap_tls: bool
    last_polled_at: datetime | None = None
    last_error: str | None = None
    reply: bool = False
    """The tenant's reply mailbox: named in Reply-To of the desk's notices."""

    @property
    def polled(self) -> bool:
        return bool(self.active and self.imap_host and self.imap_user)


def _mailbox(row: Row[Any]) -> Mailbox:
    return Mailbox(
        **{name: getattr(row, name) for name in Mailbox.__dataclass_fields__}
    )


class MailboxRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def by_address(self, address: str) -> Mailbox | None:
        statement = select(mailboxes).where(
            func.lower(mailboxes.c.address) == address.strip().lower()
        )
        row = (await self._conn.execute(statement)).first()
        return None if row is None else _mailbox(row)

    async def get(self, mailbox_id: uuid.UUID) -> Mailbox | None:
        statement = select(mailboxes).where(mailboxes.c.id == mailbox_id)
        row = (await self._conn.execute(statement)).first()
        return None if row is None else _mailbox(row)

    async def listed(self, tenant_id: str | None = None) -> list[Mailbox]:
        statement = select(mailboxes).order_by(mailboxes.c.address)
        if tenant_id is not None:
            statement = statement.where(mailboxes.c.tenant_id == tenant_id)
        return [_mailbox(r) for r in await self._conn.execute(statement)]

    async def polled(self) -> list[Mailbox]:
        return [m for m in await self.listed() if m.polled]

    async def reply_address(self, tenant_id: str) -> str | None:
        """The tenant's active reply mailbox, else its oldest active one."""
        statement = (
            select(mailboxes.c.address)
            .where(mailboxes.c.tenant_id == tenant_id, mailboxes.c.active)
            .order_by(
                mailboxes.c.reply.desc(), mailboxes.c.created_at, mailboxes.c.address
            )
            .limit(1)
        )
        return (await self._conn.execute(statement)).scalar_one_or_none()

    async def unmark_reply(self, tenant_id: str, keep: uuid.UUID) -> None:
        """Make no mailbox of the tenant but ``keep`` its reply mailbox."""
        await self._conn.execute(
            update(mailboxes)
            .where(
                mailboxes.c.tenant_id == tenant_id,
                mailboxes.c.reply,
                mailboxes.c.id != keep,
            )
            .values(reply=False, updated_at=func.now())
        )

    async def upsert(self, values: dict[str, Any]) -> tuple[Mailbox, bool]:
        """Insert or update the mailbox of ``values["address"]``; true if created."""
        changed = {k: v for k, v in values.items() if k not in ("id", "address")}
        statement = (
            insert(mailboxes)
            .values(**values)
            .on_conflict_do_update(
                index_elements=[func.lower(mailboxes.c.address)],
                set_={**changed, "updated_at": func.now()},
            )
            .returning(*mailboxes.c, (mailboxes.c.id == values["id"]).label("created"))
        )
        row = (await self._conn.execute(statement)).one()
        return _mailbox(row), bool(row.created)

    async def delete(self, mailbox_id: uuid.UUID) -> bool:
        statement = (
            update(mailboxes)
            .where(mailboxes.c.id == mailbox_id)
            .values(active=False, updated_at=func.now())
        )
        return (await self._conn.execute(statement)).rowcount > 0

    async def polled_now(self, mailbox_id: uuid.UUID, error: str | None) -> None:
        await self._conn.execute(
            update(mailboxes)
            .where(mailboxes.c.id == mailbox_id)
            .values(last_polled_at=func.now(), last_error=error)
        )


_RATE_LOCKS = 0x6D61696C
"""The advisory lock class of senders' rate limits ("mail"); hashes key within."""


def _sent(mailbox_id: uuid.UUID, sender: str, seconds: float) -> Select[Any]:
    return select(func.count()).where(
        messages.c.mailbox_id == mailbox_id,
        messages.c.from_address == sender,
        messages.c.received_at
        > func.now() - func.make_interval(0, 0, 0, 0, 0, 0, seconds),
    )


class MessageRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def seen(
        self, mailbox: Mailbox, message_id: str, sender: str, seconds: float
    ) -> tuple[bool, int]:
        """Whether the mailbox's tenant accepted the message before, and how many
        messages the sender sent the mailbox in the last ``seconds``: one round
        trip."""
        mailbox_id = mailbox.id
        accepted = (
            select(messages.c.id)
            .where(
                messages.c.tenant_id == mailbox.tenant_id,
                messages.c.message_id == message_id,
                messages.c.status == "accepted",
            )
            .exists()
        )
        recent = _sent(mailbox_id, sender, seconds).scalar_subquery()
        row = (await self._conn.execute(select(accepted, recent))).one()
        return bool(row[0]), int(row[1])

    async def lock_sender(self, mailbox_id: uuid.UUID, sender: str) -> None:
        """Hold the sender's rate lock on the mailbox until the transaction ends."""
        await self._conn.execute(
            select(
                func.pg_advisory_xact_lock(
                    _RATE_LOCKS, func.hashtext(f"{mailbox_id}:{sender}")
                )
            )
        )

    async def sent_recently(
        self, mailbox_id: uuid.UUID, sender: str, seconds: float
    ) -> int:
        """Messages the sender sent the mailbox in the last ``seconds``."""
        found = await self._conn.execute(_sent(mailbox_id, sender, seconds))
        return int(found.scalar_one())

    async def add(self, values: dict[str, Any]) -> bool:
        """Insert a message row; false when it is an accepted duplicate."""
        statement = insert(messages).values(**values)
        if values["status"] == "accepted":
            statement = statement.on_conflict_do_nothing(
                index_elements=["tenant_id", "message_id"],
                index_where=text("status = 'accepted'"),
            )
        result = await self._conn.execute(statement.returning(messages.c.id))
        return result.first() is not None

    async def get(self, mail_id: uuid.UUID, *, for_update: bool = False) -> Row[Any]:
        statement = select(messages).where(messages.c.id == mail_id)
        if for_update:
            statement = statement.with_for_update()
        row = (await self._conn.execute(statement)).first()
        if row is None:
            raise NotFound("message", mail_id)
        return row

    async def settle(self, mail_id: uuid.UUID, status: str, reason: str | None) -> None:
        await self._conn.execute(
            update(messages)
            .where(messages.c.id == mail_id)
            .values(status=status, reason=reason, replayed_at=func.now())
        )

    async def page(
        self, tenant_id: str | None, status: str, *, before: datetime | None, limit: int
    ) -> list[Row[Any]]:
        statement = (
            select(messages)
            .where(messages.c.status == status)
            .order_by(messages.c.received_at.desc(), messages.c.id.desc())
            .limit(limit)
        )
        if tenant_id is not None:
            statement = statement.where(messages.c.tenant_id == tenant_id)
        if before is not None:
            statement = statement.where(messages.c.received_at < before)
        return list(await self._conn.execute(statement))
