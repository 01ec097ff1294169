"""Mailboxes (address to tenant) and the record of received mail, for operators."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from desk_mail_ingest.adapters.repository import (
    Mailbox,
    MailboxRepository,
    MessageRepository,
)
from desk_mail_ingest.domain.errors import Conflict, NotFound, StorageUnavailable


class MailboxAdmin:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def put(
        self, tenant_id: str, address: str, settings: dict[str, Any]
    ) -> tuple[Mailbox, bool]:
        """Create or replace the mailbox ``address`` of ``tenant_id``."""
        async with self._engine.begin() as conn:
            repo = MailboxRepository(conn)
            existing = await repo.by_address(address)
            if existing is not None and existing.tenant_id != tenant_id:
                raise Conflict(f"{address} is another tenant's mailbox")
            values = {
                "id": existing.id if existing else uuid.uuid4(),
                "address": address.strip().lower(),
                "tenant_id": tenant_id,
                **settings,
            }
            if settings.get("reply"):
                await repo.unmark_reply(tenant_id, values["id"])
            return await repo.upsert(values)

    async def reply_address(self, tenant_id: str) -> str | None:
        """The address replies to the tenant's notices should go to, if any."""
        try:
            async with self._engine.connect() as conn:
                return await MailboxRepository(conn).reply_address(tenant_id)
        except (DBAPIError, SQLAlchemyError, OSError) as exc:
            raise StorageUnavailable(f"mail database: {exc}") from exc

    async def listed(self, tenant_id: str | None) -> list[Mailbox]:
        async with self._engine.connect() as conn:
            return await MailboxRepository(conn).listed(tenant_id)

    async def get(self, tenant_id: str | None, address: str) -> Mailbox:
        async with self._engine.connect() as conn:
            mailbox = await MailboxRepository(conn).by_address(address)
        if mailbox is None or tenant_id not in (None, mailbox.tenant_id):
            raise NotFound("mailbox", address)
        return mailbox

    async def deactivate(self, tenant_id: str, address: str) -> None:
        mailbox = await self.get(tenant_id, address)
        async with self._engine.begin() as conn:
            await MailboxRepository(conn).delete(mailbox.id)

    async def polled(self) -> list[Mailbox]:
        try:
            async with self._engine.connect() as conn:
                return await MailboxRepository(conn).polled()
        except (DBAPIError, SQLAlchemyError, OSError) as exc:
            raise StorageUnavailable(f"mail database: {exc}") from exc

    async def polled_now(self, mailbox_id: uuid.UUID, error: str | None) -> None:
        try:
            async with self._engine.begin() as conn:
                await MailboxRepository(conn).polled_now(mailbox_id, error)
        except (DBAPIError, SQLAlchemyError, OSError):
            return  # only bookkeeping: the next poll writes it again

    async def messages(
        self,
        tenant_id: str | None,
        status: str,
        *,
        before: datetime | None = None,
        limit: int = 50,
    ) -> list[Row[Any]]:
        async with self._engine.connect() as conn:
            return await MessageRepository(conn).page(
                tenant_id, status, before=before, limit=limit
            )

    async def message(self, tenant_id: str | None, mail_id: uuid.UUID) -> Row[Any]:
        async with self._engine.connect() as conn:
            row = await MessageRepository(conn).get(mail_id)
        if tenant_id not in (None, row.tenant_id):
            raise NotFound("message", mail_id)
        return row
