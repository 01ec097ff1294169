"""Reading a clock from a ticket's status history: pauses, completion, reopening."""

import itertools
from datetime import datetime, timedelta

import pytest
from desk_sla.domain.business_time import business_clock
from desk_sla.domain.clock import Policy, StatusChange, read_clock
from helpdesk_contracts.sla.v1 import ClockPhase, SlaState
from helpdesk_contracts.vocabulary import TicketStatus
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.sla.builders import clock as calendar_clock
from tests.unit.sla.builders import hours, utc

OPEN, PENDING, RESOLVED = TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.RESOLVED
POLICY = Policy(
    warning_seconds=hours(3),
    breach_seconds=hours(4),
    pause_when=frozenset({PENDING}),
    complete_when=frozenset({RESOLVED, TicketStatus.CLOSED}),
)
ALWAYS = business_clock(None)
T0 = utc("2024-03-04 09:00")  # a Monday


def change(version: int, status: TicketStatus, after_hours: float) -> StatusChange:
    return StatusChange(version, status, T0 + timedelta(hours=after_hours))


def test_a_running_clock_is_due_after_its_budgets() -> None:
    reading = read_clock(ALWAYS, POLICY, T0, 1, [change(1, OPEN, 0)])

    assert reading.phase is ClockPhase.RUNNING
    assert reading.warning_due_at == utc("2024-03-04 12:00")
    assert reading.breach_due_at == utc("2024-03-04 13:00")
    assert reading.elapsed_at(ALWAYS, utc("2024-03-04 10:30")) == hours(1.5)


def test_pending_pauses_and_the_paused_time_is_not_counted() -> None:
    timeline = [change(1, OPEN, 0), change(2, PENDING, 1), change(3, OPEN, 3)]

    paused = read_clock(ALWAYS, POLICY, T0, 1, timeline[:2])
    resumed = read_clock(ALWAYS, POLICY, T0, 1, timeline)

    assert paused.phase is ClockPhase.PAUSED
    assert paused.warning_due_at is None
    assert paused.breach_due_at is None
    assert paused.elapsed_seconds == hours(1)
    assert paused.stopped_at == T0 + timedelta(hours=1)
    assert resumed.phase is ClockPhase.RUNNING
    assert resumed.breach_due_at == T0 + timedelta(hours=6)


def test_resolving_completes_and_reopening_resumes() -> None:
    timeline = [change(1, OPEN, 0), change(2, RESOLVED, 2), change(3, OPEN, 10)]

    completed = read_clock(ALWAYS, POLICY, T0, 1, timeline[:2])
    reopened = read_clock(ALWAYS, POLICY, T0, 1, timeline)

    assert completed.phase is ClockPhase.COMPLETED
    assert completed.elapsed_seconds == hours(2)
    assert completed.state_at(T0 + timedelta(days=9)) is SlaState.OK
    assert reopened.phase is ClockPhase.RUNNING
    assert reopened.warning_due_at == T0 + timedelta(hours=11)


def test_a_point_reached_before_a_pause_keeps_its_instant() -> None:
    timeline = [change(1, OPEN, 0), change(2, PENDING, 3.5)]

    reading = read_clock(ALWAYS, POLICY, T0, 1, timeline)

    assert reading.warning_due_at == utc("2024-03-04 12:00")
    assert reading.breach_due_at is None
    assert reading.state_at(T0 + timedelta(days=1)) is SlaState.WARNING


def test_the_status_before_attaching_decides_how_the_clock_starts() -> None:
    timeline = [change(1, OPEN, -5), change(4, PENDING, -1), change(6, OPEN, 2)]

    reading = read_clock(ALWAYS, POLICY, T0, 5, timeline)

    assert reading.phase is ClockPhase.RUNNING
    assert reading.elapsed_seconds == 0
    assert reading.running_since == T0 + timedelta(hours=2)


def test_business_hours_count_only_opening_times() -> None:
    office = calendar_clock("Europe/Berlin")  # 08:00-18:00 local on workdays
    friday_afternoon = utc("2024-03-08 15:00")  # 16:00 in Berlin

    reading = read_clock(office, POLICY, friday_afternoon, 1, [])

    assert reading.warning_due_at == utc("2024-03-11 08:00")  # Monday 09:00 local
    assert reading.breach_due_at == utc("2024-03-11 09:00")


def test_a_zero_budget_is_due_at_once() -> None:
    policy = Policy(0, 0, frozenset(), frozenset({RESOLVED}))

    reading = read_clock(ALWAYS, policy, T0, 1, [])

    assert reading.warning_due_at == T0 == reading.breach_due_at
    assert reading.state_at(T0) is SlaState.BREACHED


def test_an_unknown_attaching_status_is_taken_as_open() -> None:
    assert read_clock(ALWAYS, POLICY, T0, 3, []).phase is ClockPhase.RUNNING


STATUS = st.sampled_from(list(TicketStatus))


@given(
    st.lists(
        st.tuples(STATUS, st.integers(min_value=0, max_value=72 * 60)),
        min_size=1,
        max_size=6,
    )
)
def test_the_reading_does_not_depend_on_arrival_order_or_repeats(
    steps: list[tuple[TicketStatus, int]],
) -> None:
    minutes = sorted(offset for _, offset in steps)
    timeline = [
        StatusChange(version, status, T0 + timedelta(minutes=at))
        for version, ((status, _), at) in enumerate(zip(steps, minutes, strict=True), 1)
    ]
    expected = read_clock(ALWAYS, POLICY, T0, 1, timeline)

    for shuffled in itertools.islice(itertools.permutations(timeline), 24):
        assert read_clock(ALWAYS, POLICY, T0, 1, [*shuffled, *shuffled]) == expected


@given(st.integers(min_value=0, max_value=20 * 60), st.integers(1, 20 * 60))
def test_pausing_delays_the_breach_by_the_paused_business_time(
    pause_at: int, pause_minutes: int
) -> None:
    office = calendar_clock("Europe/Berlin")
    start = utc("2024-03-04 08:00")
    pause = start + timedelta(minutes=pause_at)
    resume = pause + timedelta(minutes=pause_minutes)
    timeline = [StatusChange(2, PENDING, pause), StatusChange(3, OPEN, resume)]

    plain = read_clock(office, POLICY, start, 1, [])
    paused = read_clock(office, POLICY, start, 1, timeline)

    if pause >= plain.breach_due_at:  # type: ignore[operator]
        assert paused.breach_due_at == plain.breach_due_at
    else:
        lost = office.business_seconds_between(pause, resume)
        assert paused.breach_due_at == office.due(plain.breach_due_at, lost)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", [RESOLVED, TicketStatus.CLOSED])
def test_complete_when_statuses_complete(status: TicketStatus) -> None:
    reading = read_clock(ALWAYS, POLICY, T0, 1, [change(2, status, 1)])

    assert reading.phase is ClockPhase.COMPLETED
    assert reading.stopped_at == datetime.fromisoformat("2024-03-04T10:00:00+00:00")
