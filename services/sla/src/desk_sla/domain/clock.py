"""The live SLA clock of a ticket, read from the ticket's status history.

A clock never stores a running total that events would have to patch in order.
It keeps what cannot change (when it attached, its budgets in business seconds,
its policy) and is *read* again from the ticket's status timeline whenever that
timeline grows. Ticket events arriving twice add nothing to the timeline, and
events arriving out of order are placed by their aggregate version, so the
reading is the same whatever order the events came in.

Rules:

- The clock counts business time from ``attached_at`` while the ticket's status
  is neither a pause-when nor a complete-when status.
- Reaching a complete-when status completes it; reopening (leaving that status)
  resumes it, the time in between not counted.
- A point (warning, breach) is due when the counted time reaches its budget.
  Its due instant is exact even when it was reached in an earlier running
  stretch; it is unknown (``None``) while the clock is paused or completed
  before reaching it.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from helpdesk_contracts.sla.v1 import ClockPhase, SlaState
from helpdesk_contracts.vocabulary import TicketStatus

from desk_sla.domain.business_time import BusinessClock


@dataclass(frozen=True, slots=True)
class StatusChange:
    """The ticket's status from its aggregate ``version`` on, since ``at``."""

    version: int
    status: TicketStatus
    at: datetime


@dataclass(frozen=True, slots=True)
class Policy:
    """What a definition tells a clock: its budgets and the statuses it obeys."""

    warning_seconds: float | None
    """``None``: the definition has no warning point."""
    breach_seconds: float
    pause_when: frozenset[TicketStatus]
    complete_when: frozenset[TicketStatus]

    def phase_in(self, status: TicketStatus) -> ClockPhase:
        if status in self.complete_when:
            return ClockPhase.COMPLETED
        if status in self.pause_when:
            return ClockPhase.PAUSED
        return ClockPhase.RUNNING


@dataclass(frozen=True, slots=True)
class Reading:
    """A clock as its timeline leaves it."""

    phase: ClockPhase
    elapsed_seconds: float
    """Business seconds counted before ``running_since`` (all, unless running)."""
    running_since: datetime | None
    warning_due_at: datetime | None
    breach_due_at: datetime | None
    stopped_at: datetime | None
    """When the last pause or completion began; ``None`` while running."""

    def elapsed_at(self, clock: BusinessClock, now: datetime) -> float:
        """Business seconds counted up to ``now``."""
        if self.running_since is None or now <= self.running_since:
            return self.elapsed_seconds
        return self.elapsed_seconds + clock.business_seconds_between(
            self.running_since, now
        )

    def state_at(self, now: datetime) -> SlaState:
        if self.breach_due_at is not None and self.breach_due_at <= now:
            return SlaState.BREACHED
        if self.warning_due_at is not None and self.warning_due_at <= now:
            return SlaState.WARNING
        return SlaState.OK


def read_clock(
    clock: BusinessClock,
    policy: Policy,
    attached_at: datetime,
    attached_version: int,
    timeline: Iterable[StatusChange],
) -> Reading:
    """Replay ``timeline`` over a clock that attached at ``attached_at``.

    The status in force when the clock attached is the newest change at or
    before ``attached_version``; with none known yet the ticket is taken as open
    (a clock attaches to a live ticket, and the missing event will replay it).
    """
    changes = sorted(timeline, key=lambda change: change.version)
    status = TicketStatus.OPEN
    later: list[StatusChange] = []
    for change in changes:
        if change.version <= attached_version:
            status = change.status
        else:
            later.append(change)

    budgets = {"breach": policy.breach_seconds}
    if policy.warning_seconds is not None:
        budgets["warning"] = policy.warning_seconds
    due: dict[str, datetime | None] = dict.fromkeys(("warning", "breach"))
    elapsed = 0.0
    since = attached_at
    phase = policy.phase_in(status)

    def count_until(end: datetime) -> None:
        nonlocal elapsed
        counted = clock.business_seconds_between(since, end)
        for point, budget in budgets.items():
            if due[point] is None and elapsed + counted >= budget:
                due[point] = clock.due(since, max(budget - elapsed, 0.0))
        elapsed += counted

    for change in later:
        at = max(change.at, since)  # a clock skew never counts time backwards
        if phase is ClockPhase.RUNNING:
            count_until(at)
        phase = policy.phase_in(change.status)
        since = at

    if phase is ClockPhase.RUNNING:
        for point, budget in budgets.items():
            if due[point] is None:
                due[point] = clock.due(since, max(budget - elapsed, 0.0))
        return Reading(
            phase, elapsed, since, due["warning"], due["breach"], stopped_at=None
        )
    return Reading(phase, elapsed, None, due["warning"], due["breach"], since)
