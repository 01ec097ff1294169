"""The delivery log and the inbox rows, written in short transactions.

No transaction is held open while a mail server is talked to: a claim commits
``sending`` first, the outcome is written afterwards.
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from helpdesk_contracts.envelope import new_event_id
from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from desk_notifications.adapters.tables import deliveries, notifications
from desk_notifications.domain.model import Channel, EventNotices, Message

MessageIds = Callable[[uuid.UUID], str]
"""Makes the Message-ID of a new email about a ticket."""


@dataclass(frozen=True)
class Claim:
    """An email this worker may send now, with the Message-ID it must carry."""

    message: Message
    message_id: str


@dataclass(frozen=True)
class Outcome:
    recipient_id: str
    status: str
    error: str | None = None


class DeliveryLog:
    def __init__(self, engine: AsyncEngine, lease_seconds: float) -> None:
        self._engine = engine
        self._lease = lease_seconds

    async def record_inbox_and_claim_email(
        self,
        event: EventNotices,
        messages: Sequence[Message],
        message_id: MessageIds,
    ) -> tuple[list[Claim], list[str]]:
        """Write the inbox rows not yet written; claim the emails not yet sent.

        Returns the claims, and the people whose email another worker is sending.
        """
        async with self._engine.begin() as conn:
            await self._record_inbox(conn, event, messages)
            mailable = [m for m in messages if m.recipient.email]
            unmailable = [m for m in messages if not m.recipient.email]
            if unmailable:
                await conn.execute(
                    insert(deliveries).on_conflict_do_nothing(),
                    [
                        _row(event, m, Channel.EMAIL, "skipped", "no email address")
                        for m in unmailable
                    ],
                )
            claims = await self._claim(conn, event, mailable, message_id)
            wanted = {m.recipient.user_id for m in mailable}
            busy = wanted - {c.message.recipient.user_id for c in claims}
            if busy:
                busy = await self._in_progress(conn, event.event_id, busy)
        return claims, sorted(busy)

    async def _record_inbox(
        self, conn: AsyncConnection, event: EventNotices, messages: Sequence[Message]
    ) -> None:
        if not messages:
            return
        statement = (
            insert(deliveries)
            .on_conflict_do_nothing()
            .returning(deliveries.c.recipient_id)
        )
        result = await conn.execute(
            statement,
            [_row(event, m, Channel.INBOX, "sent") for m in messages],
        )
        new = {row.recipient_id for row in result}
        rows = [
            {
                "id": new_event_id(),
                "tenant_id": event.tenant_id,
                "user_id": m.recipient.user_id,
                "event_id": event.event_id,
                "ticket_id": event.ticket_id,
                "reference": event.reference,
                "kind": m.kind.value,
                "title": m.title,
                "body": m.body,
            }
            for m in messages
            if m.recipient.user_id in new
        ]
        if rows:
            await conn.execute(insert(notifications), rows)

    async def _claim(
        self,
        conn: AsyncConnection,
        event: EventNotices,
        messages: Sequence[Message],
        message_id: MessageIds,
    ) -> list[Claim]:
        if not messages:
            return []
        fresh = insert(deliveries)
        lease_over = deliveries.c.updated_at < func.now() - func.make_interval(
            0, 0, 0, 0, 0, 0, self._lease
        )
        statement = fresh.on_conflict_do_update(
            index_elements=["event_id", "recipient_id", "channel"],
            set_={
                "status": "sending",
                "attempts": deliveries.c.attempts + 1,
                "updated_at": func.now(),
                "error": None,
            },
            where=or_(
                deliveries.c.status == "retrying",
                and_(deliveries.c.status == "sending", lease_over),
            ),
        ).returning(deliveries.c.recipient_id, deliveries.c.message_id)
        rows = [
            {
                **_row(event, m, Channel.EMAIL, "sending"),
                "message_id": message_id(event.ticket_id),
            }
            for m in messages
        ]
        result = await conn.execute(statement, rows)
        by_person = {m.recipient.user_id: m for m in messages}
        return [Claim(by_person[r.recipient_id], r.message_id) for r in result]

    async def _in_progress(
        self, conn: AsyncConnection, event_id: uuid.UUID, people: set[str]
    ) -> set[str]:
        result = await conn.execute(
            select(deliveries.c.recipient_id).where(
                deliveries.c.event_id == event_id,
                deliveries.c.channel == Channel.EMAIL.value,
                deliveries.c.recipient_id.in_(people),
                deliveries.c.status.in_(("sending", "retrying")),
            )
        )
        return {row.recipient_id for row in result}

    async def settle(self, event_id: uuid.UUID, outcomes: Sequence[Outcome]) -> None:
        """Write how each claimed email went."""
        if not outcomes:
            return
        statement = (
            update(deliveries)
            .where(
                deliveries.c.event_id == event_id,
                deliveries.c.channel == Channel.EMAIL.value,
                deliveries.c.recipient_id == bindparam("person"),
            )
            .values(
                status=bindparam("new_status"),
                error=bindparam("reason"),
                updated_at=func.now(),
            )
        )
        async with self._engine.begin() as conn:
            await conn.execute(
                statement,
                [
                    {
                        "person": o.recipient_id,
                        "new_status": o.status,
                        "reason": o.error,
                    }
                    for o in outcomes
                ],
            )

    async def record_failure(
        self,
        event: EventNotices,
        messages: Sequence[Message] | Sequence[tuple[str, str]],
        reason: str,
    ) -> None:
        """Mark every (person, kind) of ``event`` failed on both channels."""
        people = [
            (m.recipient.user_id, m.kind.value) if isinstance(m, Message) else m
            for m in messages
        ]
        rows = [
            {
                "event_id": event.event_id,
                "recipient_id": person,
                "channel": channel.value,
                "tenant_id": event.tenant_id,
                "ticket_id": event.ticket_id,
                "kind": kind,
                "status": "failed",
                "error": reason[:2000],
            }
            for person, kind in people
            for channel in Channel
        ]
        if rows:
            async with self._engine.begin() as conn:
                await conn.execute(insert(deliveries).on_conflict_do_nothing(), rows)


def _row(
    event: EventNotices,
    message: Message,
    channel: Channel,
    status: str,
    error: str | None = None,
) -> dict[str, object]:
    return {
        "event_id": event.event_id,
        "recipient_id": message.recipient.user_id,
        "channel": channel.value,
        "tenant_id": event.tenant_id,
        "ticket_id": event.ticket_id,
        "kind": message.kind.value,
        "status": status,
        "address": message.recipient.email if channel is Channel.EMAIL else None,
        "error": error,
    }
