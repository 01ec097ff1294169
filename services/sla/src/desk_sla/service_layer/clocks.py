"""Live clocks: attach one to a ticket, read it again, detach it, show its banner.

Every function here runs inside the caller's transaction on one connection, and
writes its events to the outbox in that transaction.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from desk_infra.outbox import Outbox
from helpdesk_contracts.envelope import Envelope
from helpdesk_contracts.sla.v1 import ClockPhase, SlaClockChanged, SlaState
from helpdesk_contracts.vocabulary import TicketStatus
from sqlalchemy import Row, and_, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from desk_sla.adapters import tables
from desk_sla.domain.business_time import BusinessClock, DurationUnit, business_clock
from desk_sla.domain.calendar import calendar_from_document
from desk_sla.domain.clock import Policy, Reading, StatusChange, read_clock
from desk_sla.service_layer import definition_terms as terms

SOURCE = "/supportdesk/sla"
_SNAPSHOT_NAMESPACE = uuid.UUID("5b1a7d8e-58a4-4c0b-9a57-2f8a4c3e9d11")
OUTBOX = Outbox(tables.outbox)


@dataclass(frozen=True)
class Snapshot:
    """A definition and its calendar as a clock attached with them."""

    id: uuid.UUID
    definition_id: uuid.UUID
    name: str
    body: Mapping[str, Any]
    calendar: Mapping[str, Any] | None

    @property
    def clock(self) -> BusinessClock:
        return clock_of(self.id, self.calendar)

    @property
    def policy_statuses(
        self,
    ) -> tuple[frozenset[TicketStatus], frozenset[TicketStatus]]:
        return terms.pause_when(self.body), terms.complete_when(self.body)


_CALENDAR_CLOCKS: dict[uuid.UUID, BusinessClock] = {}


def clock_of(
    snapshot_id: uuid.UUID, calendar: Mapping[str, Any] | None
) -> BusinessClock:
    """The business clock of a snapshot, built once: it caches its opening years."""
    clock = _CALENDAR_CLOCKS.get(snapshot_id)
    if clock is None:
        if len(_CALENDAR_CLOCKS) > 4096:
            _CALENDAR_CLOCKS.clear()
        built = calendar_from_document(calendar) if calendar is not None else None
        clock = _CALENDAR_CLOCKS[snapshot_id] = business_clock(built)
    return clock


@lru_cache(maxsize=64)
def _units(unit: str) -> DurationUnit:
    return DurationUnit(unit)


async def take_snapshot(
    conn: AsyncConnection, tenant_id: str, definition_id: uuid.UUID
) -> Snapshot | None:
    """Freeze the definition (and its calendar) as they stand; ``None`` if unknown."""
    d, c = tables.definitions, tables.calendars
    row = (
        await conn.execute(
            select(
                d.c.name,
                d.c.body,
                d.c.version,
                d.c.calendar_id,
                c.c.document,
                c.c.version.label("calendar_version"),
            )
            .select_from(
                d.outerjoin(
                    c, and_(c.c.tenant_id == d.c.tenant_id, c.c.id == d.c.calendar_id)
                )
            )
            .where(
                d.c.tenant_id == tenant_id,
                d.c.id == definition_id,
                d.c.deleted_at.is_(None),
            )
        )
    ).first()
    if row is None:
        return None
    key = f"{definition_id}:{row.version}:{row.calendar_id}:{row.calendar_version}"
    snapshot = Snapshot(
        id=uuid.uuid5(_SNAPSHOT_NAMESPACE, key),
        definition_id=definition_id,
        name=row.name,
        body=row.body,
        calendar=row.document,
    )
    await conn.execute(
        insert(tables.definition_snapshots)
        .values(
            id=snapshot.id,
            tenant_id=tenant_id,
            definition_id=definition_id,
            definition_version=row.version,
            name=row.name,
            body=row.body,
            calendar=row.document,
        )
        .on_conflict_do_nothing()
    )
    return snapshot


async def attach(
    conn: AsyncConnection,
    *,
    tenant_id: str,
    ticket_id: uuid.UUID,
    definition_id: uuid.UUID,
    manual: bool,
    version: int,
    at: datetime,
) -> uuid.UUID | None:
    """Attach a clock starting at ``at``; ``None`` when the definition is unknown.

    Day budgets become business seconds here, from the calendar as it is now.
    The caller re-reads the ticket's clocks afterwards (see :func:`reread`).
    """
    snapshot = await take_snapshot(conn, tenant_id, definition_id)
    if snapshot is None:
        return None
    clock = snapshot.clock
    warning = terms.warning_budget(snapshot.body)
    breach = terms.breach_budget(snapshot.body)
    breach_budget = clock.budget_seconds(at, breach[0], _units(breach[1]))
    warning_budget = (
        None
        if warning is None
        else clock.budget_seconds(at, warning[0], _units(warning[1]))
    )
    if warning_budget is not None and warning_budget >= breach_budget:
        # Hours against business days: on the days this clock meets, the
        # warning would not come first, so it has none.
        warning_budget = None
    clock_id = uuid.uuid4()
    await conn.execute(
        tables.clocks.insert().values(
            id=clock_id,
            tenant_id=tenant_id,
            ticket_id=ticket_id,
            snapshot_id=snapshot.id,
            definition_id=definition_id,
            manual=manual,
            attached_version=version,
            attached_at=at,
            warning_budget=warning_budget,
            breach_budget=breach_budget,
            phase=ClockPhase.RUNNING,
            version=0,
        )
    )
    return clock_id


async def detach(
    conn: AsyncConnection,
    tenant_id: str,
    ticket_id: uuid.UUID,
    *,
    clock_id: uuid.UUID | None = None,
    automatic_before: int | None = None,
    at: datetime,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> list[uuid.UUID]:
    """Detach one clock, the automatic one older than a version, or all of them,
    announcing each with its reading at ``at``."""
    k, snap = tables.clocks, tables.definition_snapshots
    where = [k.c.ticket_id == ticket_id, k.c.detached_at.is_(None)]
    if clock_id is not None:
        where.append(k.c.id == clock_id)
    if automatic_before is not None:
        where += [k.c.manual.is_(False), k.c.attached_version < automatic_before]
    rows = (
        await conn.execute(
            select(k, snap.c.name, snap.c.body, snap.c.calendar)
            .join(snap, snap.c.id == k.c.snapshot_id)
            .where(*where)
            .order_by(k.c.id)
            .with_for_update(of=k)
        )
    ).all()
    if not rows:
        return []
    await conn.execute(
        update(k)
        .where(k.c.id.in_([row.id for row in rows]))
        .values(
            detached_at=at,
            phase=ClockPhase.DETACHED,
            next_due_at=None,
            version=k.c.version + 1,
            updated_at=func.now(),
        )
    )
    history = await timeline(conn, ticket_id)
    reference = await _reference(conn, ticket_id)
    envelopes = []
    for row in rows:
        clock = clock_of(row.snapshot_id, row.calendar)
        reading = read_clock(
            clock, _policy(row), row.attached_at, row.attached_version, history
        )
        event = clock_changed(row, reading, clock, reference, at)
        envelopes.append(
            Envelope.wrap(
                event.model_copy(update={"phase": ClockPhase.DETACHED}),
                source=SOURCE,
                tenant_id=tenant_id,
                aggregate_id=str(row.id),
                aggregate_version=row.version + 1,
                correlation_id=correlation_id,
                causation_id=causation_id,
            )
        )
    await OUTBOX.add(conn, envelopes)
    return [row.id for row in rows]


async def timeline(conn: AsyncConnection, ticket_id: uuid.UUID) -> list[StatusChange]:
    s = tables.ticket_statuses
    rows = await conn.execute(
        select(s.c.version, s.c.status, s.c.at).where(s.c.ticket_id == ticket_id)
    )
    return [StatusChange(r.version, TicketStatus(r.status), r.at) for r in rows]


def _policy(row: Row[Any]) -> Policy:
    return Policy(
        warning_seconds=row.warning_budget,
        breach_seconds=row.breach_budget,
        pause_when=terms.pause_when(row.body),
        complete_when=terms.complete_when(row.body),
    )


def _next_due(row: Row[Any], reading: Reading) -> datetime | None:
    pending = [
        due
        for due, fired in (
            (reading.warning_due_at, row.warning_fired_at),
            (reading.breach_due_at, row.breach_fired_at),
        )
        if due is not None and fired is None
    ]
    return min(pending, default=None)


async def reread(
    conn: AsyncConnection,
    tenant_id: str,
    ticket_id: uuid.UUID,
    *,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> None:
    """Read every live clock of the ticket again from its status timeline.

    Locks the clocks first, so a timer worker skips them until this commits; a
    fired point stays fired whatever the new reading says.
    """
    k, snap = tables.clocks, tables.definition_snapshots
    rows = (
        await conn.execute(
            select(k, snap.c.name, snap.c.body, snap.c.calendar)
            .join(snap, snap.c.id == k.c.snapshot_id)
            .where(k.c.ticket_id == ticket_id, k.c.detached_at.is_(None))
            .order_by(k.c.id)
            .with_for_update(of=k)
        )
    ).all()
    if not rows:
        return
    history = await timeline(conn, ticket_id)
    reference = await _reference(conn, ticket_id)
    now = datetime.now(UTC)
    envelopes: list[Envelope[SlaClockChanged]] = []
    for row in rows:
        clock = clock_of(row.snapshot_id, row.calendar)
        reading = read_clock(
            clock, _policy(row), row.attached_at, row.attached_version, history
        )
        changes = {
            "phase": reading.phase,
            "elapsed_seconds": reading.elapsed_seconds,
            "running_since": reading.running_since,
            "stopped_at": reading.stopped_at,
            "warning_due_at": reading.warning_due_at,
            "breach_due_at": reading.breach_due_at,
            "next_due_at": _next_due(row, reading),
        }
        if all(getattr(row, name) == value for name, value in changes.items()):
            continue
        version = row.version + 1
        await conn.execute(
            update(k)
            .where(k.c.id == row.id)
            .values(**changes, version=version, updated_at=func.now())
        )
        if row.phase != reading.phase or row.version == 0:
            event = clock_changed(row, reading, clock, reference, now)
            envelopes.append(
                Envelope.wrap(
                    event,
                    source=SOURCE,
                    tenant_id=tenant_id,
                    aggregate_id=str(row.id),
                    aggregate_version=version,
                    correlation_id=correlation_id,
                    causation_id=causation_id,
                )
            )
    await OUTBOX.add(conn, envelopes)


async def _reference(conn: AsyncConnection, ticket_id: uuid.UUID) -> str:
    t = tables.ticket_projection
    reference = await conn.scalar(
        select(t.c.reference).where(t.c.ticket_id == ticket_id)
    )
    return reference or ""


def clock_changed(
    row: Row[Any],
    reading: Reading,
    clock: BusinessClock,
    reference: str,
    now: datetime,
) -> SlaClockChanged:
    elapsed = reading.elapsed_at(clock, now)
    return SlaClockChanged(
        clock_id=row.id,
        ticket_id=row.ticket_id,
        reference=reference,
        definition_id=row.definition_id,
        definition_name=row.name,
        phase=reading.phase,
        state=reading.state_at(now),
        manual=row.manual,
        warning_due_at=reading.warning_due_at,
        breach_due_at=reading.breach_due_at,
        elapsed_seconds=elapsed,
        remaining_seconds=row.breach_budget - elapsed,
        changed_at=now,
    )


@dataclass(frozen=True)
class Banner:
    """What the ticket detail shows of a clock."""

    clock_id: uuid.UUID
    definition_id: uuid.UUID
    name: str
    manual: bool
    phase: ClockPhase
    state: SlaState
    colour: str | None
    attached_at: datetime
    warning_due_at: datetime | None
    breach_due_at: datetime | None
    elapsed_seconds: float
    remaining_seconds: float
    warning_fired_at: datetime | None
    breach_fired_at: datetime | None


async def banners(
    conn: AsyncConnection, tenant_id: str, ticket_id: uuid.UUID
) -> list[Banner]:
    """The ticket's live clocks, as the SLA banner shows them now."""
    k, snap = tables.clocks, tables.definition_snapshots
    rows = await conn.execute(
        select(k, snap.c.name, snap.c.body, snap.c.calendar)
        .join(snap, snap.c.id == k.c.snapshot_id)
        .where(
            k.c.tenant_id == tenant_id,
            k.c.ticket_id == ticket_id,
            k.c.detached_at.is_(None),
        )
        .order_by(k.c.attached_at, k.c.id)
    )
    now = datetime.now(UTC)
    shown = []
    for row in rows:
        clock = clock_of(row.snapshot_id, row.calendar)
        reading = Reading(
            ClockPhase(row.phase),
            row.elapsed_seconds,
            row.running_since,
            row.warning_due_at,
            row.breach_due_at,
            row.stopped_at,
        )
        elapsed = reading.elapsed_at(clock, now)
        state = reading.state_at(now)
        shown.append(
            Banner(
                clock_id=row.id,
                definition_id=row.definition_id,
                name=row.name,
                manual=row.manual,
                phase=reading.phase,
                state=state,
                colour=terms.colour(row.body, state),
                attached_at=row.attached_at,
                warning_due_at=row.warning_due_at,
                breach_due_at=row.breach_due_at,
                elapsed_seconds=elapsed,
                remaining_seconds=row.breach_budget - elapsed,
                warning_fired_at=row.warning_fired_at,
                breach_fired_at=row.breach_fired_at,
            )
        )
    return shown
