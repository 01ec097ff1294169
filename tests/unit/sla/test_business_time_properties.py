"""Properties of business time on random calendars, around clock changes."""

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

from desk_sla.domain.business_time import DurationUnit, business_clock
from desk_sla.domain.calendar import BusinessCalendar, calendar_from_document
from desk_sla.domain.calendar_fields import WEEKDAYS, format_clock_time
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.unit.sla.oracles import (
    MINUTE,
    due_by_count,
    minutes_open_by_rule,
    minutes_open_by_wall_clock,
)
from tests.unit.sla.strategies import (
    ANY_TIME,
    CALM_TIME,
    DST_ZONES,
    WINDOW_DAYS,
    WINDOW_MINUTES,
    ZONES,
    calendars,
    micro_seconds,
    starts,
)

# Each example builds a fresh calendar and a year or two of its opening table.
SETTINGS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
FIVE_DAYS = 5 * 24 * 3600
MICROSECOND = timedelta(microseconds=1)

Scenario = tuple[BusinessCalendar, datetime]


@st.composite
def scenarios(
    draw: st.DrawFn,
    times: st.SearchStrategy[int] = ANY_TIME,
    whole_minutes: bool = True,
) -> Scenario:
    """A random calendar of a random zone and a start near one of its clock changes."""
    zone = draw(st.sampled_from(ZONES))
    start = draw(starts(zone, whole_minutes))
    return draw(calendars(zone, start, times)), start


any_scenario = st.one_of(scenarios(), scenarios(whole_minutes=False))


@SETTINGS
@given(scenarios(), st.data())
def test_due_and_elapsed_time_match_a_count_of_open_minutes(
    scenario: Scenario, data: st.DataObject
) -> None:
    calendar, start = scenario
    clock = business_clock(calendar)
    marks = minutes_open_by_rule(calendar, start, WINDOW_MINUTES)
    assume(any(marks))
    minutes = data.draw(st.integers(0, sum(marks) - 1), label="minutes")
    end = data.draw(st.integers(0, WINDOW_MINUTES), label="end")

    due = clock.due(start, minutes * 60)
    elapsed = clock.business_seconds_between(start, start + end * MINUTE)

    assert due == due_by_count(marks, start, minutes)
    assert elapsed == 60 * sum(marks[:end])


@SETTINGS
@given(scenarios(CALM_TIME), st.data())
def test_away_from_clock_changes_open_time_is_what_the_wall_clock_shows(
    scenario: Scenario, data: st.DataObject
) -> None:
    calendar, start = scenario
    clock = business_clock(calendar)
    marks = minutes_open_by_wall_clock(calendar, start, WINDOW_MINUTES)
    end = data.draw(st.integers(0, WINDOW_MINUTES), label="end")

    elapsed = clock.business_seconds_between(start, start + end * MINUTE)

    assert marks == minutes_open_by_rule(calendar, start, WINDOW_MINUTES)
    assert elapsed == 60 * sum(marks[:end])


@SETTINGS
@given(any_scenario, micro_seconds(FIVE_DAYS), micro_seconds(FIVE_DAYS))
def test_more_time_is_never_due_earlier(
    scenario: Scenario, seconds: float, more: float
) -> None:
    calendar, start = scenario
    clock = business_clock(calendar)

    assert clock.due(start, seconds) <= clock.due(start, seconds + more)


@SETTINGS
@given(any_scenario, micro_seconds(FIVE_DAYS), micro_seconds(FIVE_DAYS))
def test_a_later_start_is_never_due_earlier(
    scenario: Scenario, seconds: float, delay: float
) -> None:
    calendar, start = scenario
    clock = business_clock(calendar)
    later = start + timedelta(seconds=delay)

    assert clock.due(start, seconds) <= clock.due(later, seconds)


@SETTINGS
@given(any_scenario, micro_seconds(FIVE_DAYS), micro_seconds(FIVE_DAYS))
def test_deadlines_add_up_exactly(
    scenario: Scenario, first: float, then: float
) -> None:
    """``due(due(t, a), b) == due(t, a + b)`` for any a, b >= 0 in whole microseconds.

    Equality is exact even when ``due(t, a)`` runs out on an interval's end (whole
    minutes make that frequent): that deadline is reported at the next opening,
    where the elapsed business time is the same. Reporting the end itself would
    break the property for ``b == 0`` there, since the end is not open.
    """
    calendar, start = scenario
    clock = business_clock(calendar)
    both = (round(first * 1_000_000) + round(then * 1_000_000)) / 1_000_000

    assert clock.due(clock.due(start, first), then) == clock.due(start, both)


@SETTINGS
@given(any_scenario, micro_seconds(FIVE_DAYS))
def test_elapsed_time_to_a_deadline_is_its_budget(
    scenario: Scenario, seconds: float
) -> None:
    calendar, start = scenario
    clock = business_clock(calendar)

    assert clock.business_seconds_between(start, clock.due(start, seconds)) == seconds


@SETTINGS
@given(any_scenario, micro_seconds(FIVE_DAYS))
def test_explained_spans_are_open_in_order_and_add_up(
    scenario: Scenario, seconds: float
) -> None:
    calendar, start = scenario
    clock = business_clock(calendar)

    spans = clock.explain(start, seconds)
    due = clock.due(start, seconds)

    assert sum(round(span.seconds * 1_000_000) for span in spans) == round(
        seconds * 1_000_000
    )
    for span in spans:
        assert span.end - span.start == timedelta(seconds=span.seconds)
        assert clock.business_seconds_between(span.start, span.end) == span.seconds
    for earlier, later in pairwise(spans):
        assert earlier.end < later.start
    if spans:
        assert start <= spans[0].start
        assert clock.business_seconds_between(spans[-1].end, due) == 0


@st.composite
def all_day_scenarios(draw: st.DrawFn) -> tuple[BusinessCalendar, datetime, datetime]:
    """A calendar open around the clock in a zone that changes clocks, two instants."""
    zone = draw(st.sampled_from(DST_ZONES))
    hours = {day: [["00:00", "24:00"]] for day in WEEKDAYS}
    calendar = calendar_from_document({"timezone": zone, "hours": hours})
    return calendar, draw(starts(zone, False)), draw(starts(zone, False))


@SETTINGS
@given(all_day_scenarios(), micro_seconds(FIVE_DAYS))
def test_open_all_day_counts_real_elapsed_time_across_clock_changes(
    scenario: tuple[BusinessCalendar, datetime, datetime], seconds: float
) -> None:
    calendar, start, end = scenario
    clock = business_clock(calendar)

    elapsed = clock.business_seconds_between(start, end)

    assert round(elapsed * 1_000_000) == (end - start) // MICROSECOND
    assert clock.due(start, seconds) == start + timedelta(seconds=seconds)


@st.composite
def office_scenarios(draw: st.DrawFn) -> Scenario:
    """The same office hours on some weekdays, a few holidays; a start near them."""
    zone = draw(st.sampled_from(ZONES))
    start = draw(starts(zone, whole_minutes=False))
    calm = st.integers(4 * 60, 23 * 60)
    opens, closes = sorted(draw(st.lists(calm, min_size=2, max_size=2, unique=True)))
    interval = [format_clock_time(opens), format_clock_time(closes)]
    workdays = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, unique=True))
    nearby = st.integers(0, WINDOW_DAYS).map(
        lambda days: start.date() + timedelta(days)
    )
    holidays = draw(st.lists(nearby, max_size=3))
    document = {
        "timezone": zone,
        "hours": {day: [interval] for day in workdays},
        "holidays": [day.isoformat() for day in holidays],
    }
    return calendar_from_document(document), start


def business_day_after(calendar: BusinessCalendar, day: date, count: int) -> date:
    """The ``count``-th day after ``day`` with opening hours, found one by one."""
    while count:
        day += timedelta(days=1)
        count -= bool(calendar.opening_on(day))
    return day


def opening_at_or_after(calendar: BusinessCalendar, target: datetime) -> datetime:
    """The first open instant at or after ``target``, on a one-interval calendar."""
    local = target.astimezone(calendar.zone)
    day = local.date()
    opening = calendar.opening_on(day)
    if opening:
        [(opens, closes)] = opening
        if local.time() < format_time(closes):
            return max(local, at_wall_time(calendar, day, format_time(opens)))
    day = business_day_after(calendar, day, 1)
    [(opens, _)] = calendar.opening_on(day)
    return at_wall_time(calendar, day, format_time(opens))


def format_time(minutes: int) -> time:
    """The time of day ``minutes`` after midnight, below 24:00."""
    return time(minutes // 60, minutes % 60)


def at_wall_time(calendar: BusinessCalendar, day: date, wall: time) -> datetime:
    """``day`` at ``wall`` in the calendar's zone, a time in a gap read at fold=0."""
    local = datetime.combine(day, wall.replace(fold=0), tzinfo=calendar.zone)
    return local.astimezone(UTC)


@SETTINGS
@given(office_scenarios(), st.integers(1, 10))
def test_a_day_budget_is_due_at_the_same_local_time_days_later(
    scenario: Scenario, days: int
) -> None:
    calendar, start = scenario
    clock = business_clock(calendar)
    local = start.astimezone(calendar.zone)
    later = business_day_after(calendar, local.date(), days)

    budget = clock.budget_seconds(start, days, DurationUnit.DAY)
    due = clock.due(start, budget)

    target = at_wall_time(calendar, later, local.time())
    assert due == opening_at_or_after(calendar, target)
