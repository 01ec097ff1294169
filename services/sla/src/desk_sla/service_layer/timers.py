"""Firing due warning and breach points, exactly once each.

A worker claims a batch of clocks whose ``next_due_at`` has passed with
``FOR UPDATE SKIP LOCKED``, stamps the points that are due as fired, moves
``next_due_at`` on, and writes one event per fired point to the outbox, all in
one transaction. Workers running side by side claim disjoint batches; a worker
killed mid-batch rolls back, and the batch is claimed again. A point is fired
once because its ``*_fired_at`` is set in the same transaction as its event.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from desk_infra.outbox import Outbox
from helpdesk_contracts.envelope import Envelope
from helpdesk_contracts.sla.v1 import SlaBreached, SlaPoint, SlaWarning
from helpdesk_contracts.tickets.v1 import Assignee
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from desk_sla.adapters import tables
from desk_sla.service_layer import definition_terms as terms
from desk_sla.service_layer.clocks import SOURCE

OUTBOX = Outbox(tables.outbox)

_CLAIM = text(
    """
    WITH due AS (
        SELECT id, ticket_id FROM sla_clocks
        WHERE next_due_at <= :now
        ORDER BY next_due_at
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    )
    UPDATE sla_clocks AS k SET
        warning_fired_at = CASE
            WHEN k.warning_fired_at IS NULL AND k.warning_due_at <= :now THEN :now
            ELSE k.warning_fired_at END,
        breach_fired_at = CASE
            WHEN k.breach_fired_at IS NULL AND k.breach_due_at <= :now THEN :now
            ELSE k.breach_fired_at END,
        next_due_at = CASE
            WHEN k.warning_fired_at IS NULL AND k.warning_due_at > :now
                THEN k.warning_due_at
            WHEN k.breach_fired_at IS NULL AND k.breach_due_at > :now
                THEN k.breach_due_at
            END,
        version = k.version + 1,
        updated_at = :now
    FROM due LEFT JOIN sla_tickets AS t ON t.ticket_id = due.ticket_id
    WHERE k.id = due.id
    RETURNING
        k.id, k.tenant_id, k.ticket_id, k.definition_id, k.snapshot_id, k.version,
        k.warning_due_at, k.breach_due_at,
        k.warning_fired_at = :now AS warning_fired,
        k.breach_fired_at = :now AS breach_fired,
        coalesce(t.reference, '') AS reference,
        coalesce(t.subject, '') AS subject,
        coalesce(t.priority, 'medium') AS priority,
        t.requester_id, t.primary_assignee,
        coalesce(t.additional_assignees, '[]') AS additional_assignees,
        (SELECT s.status FROM sla_ticket_statuses AS s
         WHERE s.ticket_id = k.ticket_id ORDER BY s.version DESC LIMIT 1) AS status
    """
)


@dataclass(frozen=True)
class _Terms:
    name: str
    body: Mapping[str, Any]


_SNAPSHOTS: dict[uuid.UUID, _Terms] = {}
"""Snapshots never change once written, so every worker keeps the ones it met."""


async def _snapshots(
    conn: AsyncConnection, ids: set[uuid.UUID]
) -> Mapping[uuid.UUID, _Terms]:
    missing = ids - _SNAPSHOTS.keys()
    if missing:
        s = tables.definition_snapshots
        rows = await conn.execute(
            select(s.c.id, s.c.name, s.c.body).where(s.c.id.in_(missing))
        )
        for row in rows:
            _SNAPSHOTS[row.id] = _Terms(row.name, row.body)
    return _SNAPSHOTS


def _point_event(
    row: Any, snapshot: _Terms, point: SlaPoint, now: datetime
) -> SlaWarning | SlaBreached:
    colour, template, notify, actions = terms.point_terms(snapshot.body, point)
    event = SlaWarning if point is SlaPoint.WARNING else SlaBreached
    return event(
        clock_id=row.id,
        ticket_id=row.ticket_id,
        reference=row.reference,
        definition_id=row.definition_id,
        definition_name=snapshot.name,
        due_at=row.warning_due_at if point is SlaPoint.WARNING else row.breach_due_at,
        fired_at=now,
        colour=colour,
        message_template=template,
        notify=notify,
        actions=actions,
        subject=row.subject,
        status=row.status or "open",
        priority=row.priority,
        requester_id=row.requester_id,
        primary_assignee=(
            Assignee.model_validate(row.primary_assignee)
            if row.primary_assignee
            else None
        ),
        additional_assignees=[
            Assignee.model_validate(a) for a in row.additional_assignees
        ],
        breach_due_at=row.breach_due_at,
    )


async def fire_due(conn: AsyncConnection, now: datetime, limit: int = 1000) -> int:
    """Fire the points due at ``now`` of up to ``limit`` clocks; how many fired."""
    rows = (await conn.execute(_CLAIM, {"now": now, "limit": limit})).all()
    if not rows:
        return 0
    snapshots = await _snapshots(conn, {row.snapshot_id for row in rows})
    envelopes = []
    for row in rows:
        for point, fired in (
            (SlaPoint.WARNING, row.warning_fired),
            (SlaPoint.BREACH, row.breach_fired),
        ):
            if fired:
                event = _point_event(row, snapshots[row.snapshot_id], point, now)
                envelopes.append(
                    Envelope.wrap(
                        event,
                        source=SOURCE,
                        tenant_id=row.tenant_id,
                        aggregate_id=str(row.id),
                        aggregate_version=row.version,
                    )
                )
    await OUTBOX.add(conn, envelopes)
    return len(envelopes)
