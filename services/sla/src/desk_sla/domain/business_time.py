"""Business time: deadlines and elapsed time counted inside a calendar's opening hours.

The rules (``services/sla/docs/business-hours.md`` has them with examples):

- Time is counted in real elapsed seconds inside the opening intervals, which are
  wall-clock times of the calendar's zone converted as ``opening_year`` documents
  (``fold=0``: a time in a fold is its first occurrence, a time in a gap is read
  with the offset before the change). A day open 00:00-24:00 counts 25 hours on
  the day clocks go back and 23 on the day they go forward.
- The start instant is used as given, seconds and microseconds included;
  durations are rounded to whole microseconds and all sums are exact.
- An interval's end is not an open moment. A deadline reached exactly at the end
  of an opening interval is reported at the next opening: the business time
  elapsed is the same, and a reply after hours is then not a breach.
- A zero duration is due at the next open moment: the start itself when open.
- Hence ``due(t, s)`` is the first open instant at which ``s`` business seconds
  have elapsed since ``t``; ``due(due(t, a), b) == due(t, a + b)`` exactly, and
  ``business_seconds_between(t, due(t, s)) == s``.
- A budget of N days is the start's local time on the Nth business day after
  the start's date (a business day is one with opening hours that is not a
  holiday), or the next opening when that time is closed, converted into business
  seconds when the clock starts. So a ticket raised on Saturday at 10:30 with one
  day is due on Monday at 10:30, as the biz gem Zammad uses counts days. Without
  a calendar a day is 24 hours.

Instants are aware datetimes; results are in UTC. Build one clock per calendar
and keep it: it computes each local year's opening table once, on first use.
"""

from bisect import bisect_right
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple, Protocol

from desk_sla.domain.calendar import BusinessCalendar
from desk_sla.domain.errors import CalendarNeverOpens
from desk_sla.domain.micros import (
    MICROS_PER_SECOND,
    duration_micros,
    from_micros,
    to_micros,
)
from desk_sla.domain.opening_year import OpeningYear, build_year

# Only holidays on every open weekday close a calendar for years; after this many
# it is taken as never opening rather than searched for ever.
MAX_CLOSED_YEARS = 10
MEAN_YEAR_MICROS = 31_556_952 * MICROS_PER_SECOND


class DurationUnit(StrEnum):
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"


_SECONDS_PER = {
    DurationUnit.MINUTE: 60,
    DurationUnit.HOUR: 3600,
    DurationUnit.DAY: 86400,
}


class CountedSpan(NamedTuple):
    """A stretch of opening hours counted towards a deadline."""

    start: datetime
    end: datetime
    seconds: float


class BusinessClock(Protocol):
    """Business-time arithmetic for one calendar (or for none: 24/7)."""

    def due(self, start: datetime, seconds: float) -> datetime:
        """The first open instant at which ``seconds`` business seconds elapsed."""
        ...

    def business_seconds_between(self, start: datetime, end: datetime) -> float:
        """Business seconds from ``start`` to ``end``, negative if ``end`` is first."""
        ...

    def budget_seconds(
        self, start: datetime, value: float, unit: DurationUnit
    ) -> float:
        """Business seconds of ``value`` ``unit`` for a clock starting at ``start``."""
        ...

    def explain(self, start: datetime, seconds: float) -> list[CountedSpan]:
        """The opening stretches counted from ``start`` until ``seconds`` are used."""
        ...


def business_clock(calendar: BusinessCalendar | None) -> BusinessClock:
    """The clock of ``calendar``; without a calendar every second counts."""
    if calendar is None:
        return AlwaysOpen()
    return CalendarClock(calendar)


def whole_days(value: float) -> int:
    """A budget in days as a whole, non-negative number of days."""
    if not (value >= 0 and value == int(value)):
        raise ValueError(f"a budget in days must be a whole number, not {value!r}")
    return int(value)


class AlwaysOpen:
    """Business time without a calendar: every second of every day counts."""

    def due(self, start: datetime, seconds: float) -> datetime:
        """``start`` plus ``seconds``, in UTC."""
        return from_micros(to_micros(start) + duration_micros(seconds))

    def business_seconds_between(self, start: datetime, end: datetime) -> float:
        """The real seconds from ``start`` to ``end``."""
        return (to_micros(end) - to_micros(start)) / MICROS_PER_SECOND

    def budget_seconds(
        self, start: datetime, value: float, unit: DurationUnit
    ) -> float:
        """``value`` minutes, hours or 24-hour days in seconds."""
        to_micros(start)  # refuses a naive start, as the calendar clock does
        if unit is DurationUnit.DAY:
            value = whole_days(value)
        return duration_micros(value * _SECONDS_PER[unit]) / MICROS_PER_SECOND

    def explain(self, start: datetime, seconds: float) -> list[CountedSpan]:
        """One span from ``start`` to the due instant (none for a zero duration)."""
        opened, length = to_micros(start), duration_micros(seconds)
        if length == 0:
            return []
        return [_span(opened, opened + length)]


class CalendarClock:
    """Business time inside the opening hours of a calendar."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self._zone = calendar.zone
        self._years: dict[int, OpeningYear] = {}

    def due(self, start: datetime, seconds: float) -> datetime:
        """The first open instant at which ``seconds`` business seconds elapsed."""
        return from_micros(self._due(to_micros(start), duration_micros(seconds)))

    def business_seconds_between(self, start: datetime, end: datetime) -> float:
        """Business seconds from ``start`` to ``end``, negative if ``end`` is first."""
        first, last = to_micros(start), to_micros(end)
        if last < first:
            return -self._between(last, first) / MICROS_PER_SECOND
        return self._between(first, last) / MICROS_PER_SECOND

    def budget_seconds(
        self, start: datetime, value: float, unit: DurationUnit
    ) -> float:
        """Business seconds of ``value`` ``unit``; days per the module's rule."""
        first = to_micros(start)
        if unit is not DurationUnit.DAY:
            return duration_micros(value * _SECONDS_PER[unit]) / MICROS_PER_SECOND
        days = whole_days(value)
        if days == 0:
            return 0.0
        year = self._year_of(first)
        day = year.day_of(first)
        target_year, target_day = self._business_day_after(year, day, days)
        target = self._same_wall_time(year, day, first, target_year, target_day)
        return self._between(first, target) / MICROS_PER_SECOND

    def explain(self, start: datetime, seconds: float) -> list[CountedSpan]:
        """The opening stretches counted from ``start`` until ``seconds`` are used."""
        cursor, remaining = to_micros(start), duration_micros(seconds)
        year = self._year_of(cursor)
        index = bisect_right(year.closes, cursor)
        spans: list[CountedSpan] = []
        while remaining > 0:
            if index == len(year.opens):
                year, index = self._next_open_year(year), 0
                continue
            opened = max(cursor, year.opens[index])
            used = min(year.closes[index] - opened, remaining)
            spans.append(_span(opened, opened + used))
            remaining -= used
            index += 1
        return spans

    def _due(self, start: int, length: int) -> int:
        year = self._year_of(start)
        target = year.position(start) + length
        while target >= year.total:
            target -= year.total
            year = self._next_open_year(year)
        return year.instant(target)

    def _between(self, first: int, last: int) -> int:
        year, end_year = self._year_of(first), self._year_of(last)
        if year is end_year:
            return year.position(last) - year.position(first)
        elapsed = year.total - year.position(first)
        for number in range(year.year + 1, end_year.year):
            elapsed += self._year(number).total
        return elapsed + end_year.position(last)

    def _business_day_after(
        self, year: OpeningYear, day: int, days: int
    ) -> tuple[OpeningYear, int]:
        index = bisect_right(year.open_days, day) + days - 1
        while index >= len(year.open_days):
            index -= len(year.open_days)
            year = self._next_open_year(year)
        return year, year.open_days[index]

    def _same_wall_time(
        self,
        year: OpeningYear,
        day: int,
        instant: int,
        to_year: OpeningYear,
        to_day: int,
    ) -> int:
        # On days of 24 hours the offset is constant, so wall time is elapsed time.
        if year.is_regular(day) and to_year.is_regular(to_day):
            return to_year.midnights[to_day] + instant - year.midnights[day]
        wall = from_micros(instant).astimezone(self._zone).time().replace(fold=0)
        target_day = date(to_year.year, 1, 1) + timedelta(days=to_day)
        return to_micros(datetime.combine(target_day, wall, tzinfo=self._zone))

    def _year(self, number: int) -> OpeningYear:
        year = self._years.get(number)
        if year is None:
            year = self._years[number] = build_year(self.calendar, self._zone, number)
        return year

    def _year_of(self, instant: int) -> OpeningYear:
        # A guess from the mean Gregorian year: right but near New Year.
        year = self._year(1970 + instant // MEAN_YEAR_MICROS)
        while instant < year.first_instant:
            year = self._year(year.year - 1)
        while instant >= year.end_instant:
            year = self._year(year.year + 1)
        return year

    def _next_open_year(self, year: OpeningYear) -> OpeningYear:
        for number in range(year.year + 1, year.year + 1 + MAX_CLOSED_YEARS):
            following = self._year(number)
            if following.total > 0:
                return following
        raise CalendarNeverOpens(year.year, MAX_CLOSED_YEARS)


def _span(opened: int, closed: int) -> CountedSpan:
    return CountedSpan(
        from_micros(opened), from_micros(closed), (closed - opened) / MICROS_PER_SECOND
    )
