"""One local year of a calendar as sorted instants: the tables business time reads.

Wall-clock intervals become instants endpoint by endpoint, each read in the
calendar's zone with ``fold=0`` (PEP 495, as ``zoneinfo`` does):

- a time in a fold (the repeated hour when clocks go back) is its first
  occurrence: ``02:30`` on 2016-10-30 in Berlin is 02:30 summer time, 00:30 UTC;
- a time in a gap (the hour skipped when clocks go forward) is read with the
  offset in force before the change, which lands it as far after the change as it
  lies after the gap's start: ``02:30`` on 2016-03-27 in Berlin is 03:30 summer
  time, 01:30 UTC;
- ``24:00`` is the next day's ``00:00``, read the same way.

A day's instants are then clipped to the day itself (its midnight to the next,
both read as above), so consecutive days tile time without sharing an instant; a
converted interval whose end does not follow its start counts nothing, and
intervals that touch, or overlap after conversion (only around a gap), merge.
Between those boundaries every real second counts, so a 25-hour day open from
00:00 to 24:00 counts 25 hours and a 23-hour one 23.
"""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from desk_sla.domain.calendar import BusinessCalendar
from desk_sla.domain.micros import DAY_MICROS, MICROS_PER_MINUTE, local_micros


@dataclass(frozen=True, slots=True)
class OpeningYear:
    """The open intervals of one local calendar year, merged and in order.

    ``before[i]`` is the business time of the year elapsed when interval ``i``
    opens; its last entry is the year's total. ``midnights[d]`` is the instant day
    ``d`` of the year starts, with one more entry (``end_instant``) ending the
    year. ``open_days`` are the indexes of its business days: days with opening
    hours that are not holidays.
    """

    year: int
    first_instant: int
    end_instant: int
    midnights: list[int]
    opens: list[int]
    closes: list[int]
    before: list[int]
    open_days: list[int]

    @property
    def total(self) -> int:
        """Business microseconds in the whole year."""
        return self.before[-1]

    def position(self, instant: int) -> int:
        """Business microseconds of the year elapsed at ``instant``."""
        index = bisect_right(self.closes, instant)
        if index == len(self.closes):
            return self.total
        return self.before[index] + max(0, instant - self.opens[index])

    def instant(self, position: int) -> int:
        """The first open instant at which ``position`` (below the total) elapsed."""
        # An interval's end is not open: a position reached exactly there resolves
        # to the next opening, whose ``before`` equals it.
        index = bisect_right(self.before, position) - 1
        return self.opens[index] + position - self.before[index]

    def day_of(self, instant: int) -> int:
        """The index in the year of the local day ``instant`` falls on."""
        return bisect_right(self.midnights, instant) - 1

    def is_regular(self, day: int) -> bool:
        """Whether day ``day`` lasts 24 hours, so its UTC offset never changes."""
        return self.midnights[day + 1] - self.midnights[day] == DAY_MICROS


def build_year(calendar: BusinessCalendar, zone: ZoneInfo, year: int) -> OpeningYear:
    """The opening table of local ``year``."""
    regional = calendar.regional_holidays
    holidays = regional.dates(year) if regional is not None else frozenset()
    first = date(year, 1, 1).toordinal()
    days = [date.fromordinal(n) for n in range(first, date(year + 1, 1, 1).toordinal())]
    midnights = [local_micros(day, 0, zone) for day in days]
    midnights.append(local_micros(days[-1], 24 * 60, zone))

    opens: list[int] = []
    closes: list[int] = []
    open_days: list[int] = []
    for index, day in enumerate(days):
        hours = calendar.opening_on(day, holidays)
        if hours:
            open_days.append(index)
        bounds = midnights[index], midnights[index + 1]
        for opened, closed in _day_instants(day, hours, zone, bounds):
            _append_merged(opens, closes, opened, closed)
    before = _cumulative(opens, closes)
    return OpeningYear(
        year, midnights[0], midnights[-1], midnights, opens, closes, before, open_days
    )


def _day_instants(
    day: date,
    hours: tuple[tuple[int, int], ...],
    zone: ZoneInfo,
    bounds: tuple[int, int],
) -> list[tuple[int, int]]:
    midnight, next_midnight = bounds
    if next_midnight - midnight == DAY_MICROS:
        # A 24-hour day keeps one offset throughout: wall time is elapsed time.
        return [
            (midnight + start * MICROS_PER_MINUTE, midnight + end * MICROS_PER_MINUTE)
            for start, end in hours
        ]
    spans = []
    for start, end in hours:
        opened = max(local_micros(day, start, zone), midnight)
        closed = min(local_micros(day, end, zone), next_midnight)
        if closed > opened:
            spans.append((opened, closed))
    return sorted(spans)


def _append_merged(
    opens: list[int], closes: list[int], opened: int, closed: int
) -> None:
    if closes and opened <= closes[-1]:
        closes[-1] = max(closes[-1], closed)
        return
    opens.append(opened)
    closes.append(closed)


def _cumulative(opens: list[int], closes: list[int]) -> list[int]:
    before = [0]
    for opened, closed in zip(opens, closes, strict=True):
        before.append(before[-1] + closed - opened)
    return before
