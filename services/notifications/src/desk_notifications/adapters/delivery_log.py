"""The delivery log and the inbox rows: one statement for a batch of events.

No transaction is held open while a mail server is talked to: a claim commits
``sending`` first, the outcome is written afterwards. Each write is a single
statement (autocommit, no BEGIN/COMMIT round trips), and the writes of events
handled at the same time share it (``Coalescer``). A person known only by
address (``Recipient.inbox`` false) gets the email and no inbox row.
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from helpdesk_contracts.envelope import new_event_id
from sqlalchemy import Row, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from desk_notifications.adapters.coalescer import Coalescer
from desk_notifications.adapters.tables import deliveries
from desk_notifications.domain.model import Channel, EventNotices, Message, Recipient

MessageIds = Callable[[uuid.UUID], str]
"""Makes the Message-ID of a new email about a ticket."""

_RECORD_AND_CLAIM = text(
    """
    WITH input AS (
        SELECT * FROM unnest(
            CAST(:event_ids AS uuid[]), CAST(:tenants AS text[]),
            CAST(:tickets AS uuid[]), CAST(:references AS text[]),
            CAST(:people AS text[]), CAST(:kinds AS text[]),
            CAST(:titles AS text[]), CAST(:bodies AS text[]),
            CAST(:addresses AS text[]), CAST(:notification_ids AS uuid[]),
            CAST(:message_ids AS text[]), CAST(:inboxes AS boolean[])
        ) AS t(event_id, tenant_id, ticket_id, reference, recipient_id, kind,
               title, body, address, notification_id, message_id, has_inbox)
    ),
    inbox AS (
        INSERT INTO deliveries
            (event_id, recipient_id, channel, tenant_id, ticket_id, kind, status)
        SELECT event_id, recipient_id, 'inbox', tenant_id, ticket_id, kind, 'sent'
        FROM input WHERE has_inbox
        ON CONFLICT DO NOTHING
        RETURNING event_id, recipient_id
    ),
    items AS (
        INSERT INTO notifications (id, tenant_id, user_id, event_id, ticket_id,
                                   reference, kind, title, body)
        SELECT i.notification_id, i.tenant_id, i.recipient_id, i.event_id,
               i.ticket_id, i.reference, i.kind, i.title, i.body
        FROM input i JOIN inbox USING (event_id, recipient_id)
    ),
    unmailable AS (
        INSERT INTO deliveries (event_id, recipient_id, channel, tenant_id,
                                ticket_id, kind, status, error)
        SELECT event_id, recipient_id, 'email', tenant_id, ticket_id, kind,
               'skipped', 'no email address'
        FROM input WHERE address IS NULL
        ON CONFLICT DO NOTHING
    ),
    claimed AS (
        INSERT INTO deliveries AS d (event_id, recipient_id, channel, tenant_id,
                                     ticket_id, kind, status, address, message_id)
        SELECT event_id, recipient_id, 'email', tenant_id, ticket_id, kind,
               'sending', address, message_id
        FROM input WHERE address IS NOT NULL
        ON CONFLICT (event_id, recipient_id, channel) DO UPDATE
        SET status = 'sending', attempts = d.attempts + 1, updated_at = now(),
            error = NULL
        WHERE d.status = 'retrying'
           OR (d.status = 'sending'
               AND d.updated_at < now() - make_interval(secs => :lease))
        RETURNING event_id, recipient_id, message_id
    )
    SELECT event_id, recipient_id, message_id, false AS busy FROM claimed
    UNION ALL
    -- Rows as they were before this statement: another worker's fresh claim.
    SELECT d.event_id, d.recipient_id, d.message_id, true
    FROM deliveries d JOIN input i USING (event_id, recipient_id)
    WHERE d.channel = 'email' AND d.status = 'sending'
      AND d.updated_at >= now() - make_interval(secs => :lease)
      AND NOT EXISTS (SELECT 1 FROM claimed c
                      WHERE c.event_id = d.event_id
                        AND c.recipient_id = d.recipient_id)
    """
)

_SETTLE = text(
    """
    UPDATE deliveries d
    SET status = u.status, error = u.error, updated_at = now()
    FROM unnest(CAST(:event_ids AS uuid[]), CAST(:people AS text[]),
                CAST(:statuses AS text[]), CAST(:errors AS text[]))
         AS u(event_id, recipient_id, status, error)
    WHERE d.event_id = u.event_id AND d.recipient_id = u.recipient_id
      AND d.channel = 'email'
    """
)


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


@dataclass(frozen=True)
class _Request:
    event: EventNotices
    messages: Sequence[Message]
    message_ids: MessageIds


Claimed = tuple[list[Claim], list[str]]
Settled = tuple[uuid.UUID, Sequence[Outcome]]


class DeliveryLog:
    def __init__(self, engine: AsyncEngine, lease_seconds: float) -> None:
        self._engine = engine
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._lease = lease_seconds
        self._claims: Coalescer[_Request, Claimed] = Coalescer(self._record_and_claim)
        self._settles: Coalescer[Settled, None] = Coalescer(self._settle)

    async def record_inbox_and_claim_email(
        self, event: EventNotices, messages: Sequence[Message], message_ids: MessageIds
    ) -> Claimed:
        """Write the inbox rows not yet written; claim the emails not yet sent.

        Returns the claims, and the people whose email another worker is sending.
        """
        if not messages:
            return [], []
        return await self._claims.submit(_Request(event, messages, message_ids))

    async def settle(self, event_id: uuid.UUID, outcomes: Sequence[Outcome]) -> None:
        """Write how each claimed email went."""
        if outcomes:
            await self._settles.submit((event_id, outcomes))

    async def _record_and_claim(self, requests: Sequence[_Request]) -> list[Claimed]:
        columns: dict[str, list[object]] = {
            name: []
            for name in (
                "event_ids",
                "tenants",
                "tickets",
                "references",
                "people",
                "kinds",
                "titles",
                "bodies",
                "addresses",
                "notification_ids",
                "message_ids",
                "inboxes",
            )
        }
        for request in requests:
            event = request.event
            for message in request.messages:
                person = message.recipient
                for name, value in (
                    ("event_ids", event.event_id),
                    ("tenants", event.tenant_id),
                    ("tickets", event.ticket_id),
                    ("references", event.reference),
                    ("people", person.user_id),
                    ("kinds", message.kind.value),
                    ("titles", message.title),
                    ("bodies", message.body),
                    ("addresses", person.email),
                    ("notification_ids", new_event_id()),
                    ("message_ids", request.message_ids(event.ticket_id)),
                    ("inboxes", person.inbox),
                ):
                    columns[name].append(value)
        async with self._autocommit.connect() as conn:
            rows = (
                await conn.execute(_RECORD_AND_CLAIM, {**columns, "lease": self._lease})
            ).all()
        by_event: dict[uuid.UUID, list[Row[Any]]] = {}
        for row in rows:
            by_event.setdefault(row.event_id, []).append(row)
        return [_claimed(r, by_event.get(r.event.event_id, [])) for r in requests]

    async def _settle(self, batch: Sequence[Settled]) -> list[None]:
        rows = [(event, o) for event, outcomes in batch for o in outcomes]
        params = {
            "event_ids": [event for event, _ in rows],
            "people": [o.recipient_id for _, o in rows],
            "statuses": [o.status for _, o in rows],
            "errors": [o.error for _, o in rows],
        }
        async with self._autocommit.connect() as conn:
            await conn.execute(_SETTLE, params)
        return [None] * len(batch)

    async def record_failure(
        self, event: EventNotices, people: Sequence[tuple[Recipient, str]], reason: str
    ) -> None:
        """Mark every (person, notice kind) of ``event`` failed on their channels."""
        rows = [
            {
                "event_id": event.event_id,
                "recipient_id": person.user_id,
                "channel": channel.value,
                "tenant_id": event.tenant_id,
                "ticket_id": event.ticket_id,
                "kind": kind,
                "status": "failed",
                "error": reason[:2000],
            }
            for person, kind in people
            for channel in Channel
            if person.inbox or channel is Channel.EMAIL
        ]
        if rows:
            async with self._engine.begin() as conn:
                await conn.execute(insert(deliveries).on_conflict_do_nothing(), rows)


def _claimed(request: _Request, rows: Sequence[Row[Any]]) -> Claimed:
    by_person = {m.recipient.user_id: m for m in request.messages}
    claims: list[Claim] = []
    busy: list[str] = []
    for row in rows:
        if row.busy:
            busy.append(row.recipient_id)
        else:
            claims.append(Claim(by_person[row.recipient_id], row.message_id))
    return claims, sorted(busy)
