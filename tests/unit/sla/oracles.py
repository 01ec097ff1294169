"""Slow, obvious answers to check business time against, minute by minute.

Two ways to tell whether a UTC minute is open:

- by the rule: each day's intervals converted endpoint by endpoint, a wall time
  read with the offset ``utcoffset`` gives it at fold=0, clipped to the day;
- by the wall clock: the minute's local date and time of day lie in one of that
  date's intervals.

They agree whenever no interval endpoint falls strictly inside an hour that
clocks skip or repeat; the first holds for every calendar.
"""

from datetime import UTC, date, datetime, time, timedelta

from desk_sla.domain.calendar import BusinessCalendar

MINUTE = timedelta(minutes=1)


def _instant(day: date, minutes: int, calendar: BusinessCalendar) -> datetime:
    wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
    offset = calendar.zone.utcoffset(wall)
    assert offset is not None
    return (wall - offset).replace(tzinfo=UTC)


def _local_days(calendar: BusinessCalendar, first: datetime, count: int) -> list[date]:
    since = first.astimezone(calendar.zone).date() - timedelta(days=1)
    until = (first + count * MINUTE).astimezone(calendar.zone).date()
    return [since + timedelta(days=n) for n in range((until - since).days + 2)]


def minutes_open_by_rule(
    calendar: BusinessCalendar, first: datetime, count: int
) -> bytearray:
    """Whether each of ``count`` minutes from ``first`` is open, by the rule."""
    marks = bytearray(count)
    for day in _local_days(calendar, first, count):
        day_start = _instant(day, 0, calendar)
        day_end = _instant(day, 24 * 60, calendar)
        for start, end in calendar.opening_on(day):
            opened = max(_instant(day, start, calendar), day_start)
            closed = min(_instant(day, end, calendar), day_end)
            low = max(0, (opened - first) // MINUTE)
            high = min(count, (closed - first) // MINUTE)
            if high > low:
                marks[low:high] = b"\x01" * (high - low)
    return marks


def minutes_open_by_wall_clock(
    calendar: BusinessCalendar, first: datetime, count: int
) -> bytearray:
    """Whether each of ``count`` minutes from ``first`` is open, read off the clock."""
    marks = bytearray(count)
    hours = {
        day: calendar.opening_on(day) for day in _local_days(calendar, first, count)
    }
    for index in range(count):
        local = (first + index * MINUTE).astimezone(calendar.zone)
        minute = local.hour * 60 + local.minute
        spans = hours[local.date()]
        marks[index] = any(start <= minute < end for start, end in spans)
    return marks


def due_by_count(marks: bytearray, first: datetime, minutes: int) -> datetime:
    """The first open minute after ``minutes`` open minutes were counted."""
    counted = 0
    for index, is_open in enumerate(marks):
        if is_open:
            if counted == minutes:
                return first + index * MINUTE
            counted += 1
    raise LookupError("the window is too short for that many minutes")
