"""How a calendar document spells its values: times of day, intervals, dates.

Each type reads the document's string (``"08:00"``, ``"2016-11-01"``,
``"--12-25"``) into a plain value (minutes after midnight, ``date``, ``MonthDay``)
and writes it back the same way; a value it refuses raises ``ValueError`` with a
message naming what was expected.
"""

import re
from datetime import date
from itertools import pairwise
from typing import Annotated, Literal, NamedTuple

from pydantic import AfterValidator, PlainSerializer, PlainValidator

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_CLOCK_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", re.ASCII)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEARLY_DAY = re.compile(r"--(\d{2})-(\d{2})")
_LEAP_YEAR = 2000


class MonthDay(NamedTuple):
    """A day that recurs every year, written ``--MM-DD``."""

    month: int
    day: int


def parse_clock_time(value: object) -> int:
    """Minutes after local midnight of a wall-clock ``HH:MM`` (``24:00`` ends a day).

    ``8:00`` and ``08:00:00`` are read too, as people and other tools write
    them; seconds other than ``00`` are refused, opening hours being whole
    minutes.
    """
    found = _CLOCK_TIME.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        raise _not_a_time(value)
    hours, minutes, seconds = found.groups()
    total = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or total > 24 * 60:
        raise _not_a_time(value)
    if seconds not in (None, "00"):
        raise ValueError(f"{value!r} has seconds: opening hours are whole minutes")
    return total


def _not_a_time(value: object) -> ValueError:
    return ValueError(f"{value!r} is not a time of day HH:MM from 00:00 to 24:00")


def format_clock_time(minutes: int) -> str:
    """The ``HH:MM`` spelling of minutes after local midnight."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_iso_date(value: object) -> date:
    """A calendar date written ``YYYY-MM-DD``."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date YYYY-MM-DD")


def parse_holiday(value: object) -> date | MonthDay:
    """A one-off holiday ``YYYY-MM-DD`` or a yearly one ``--MM-DD``."""
    if isinstance(value, MonthDay):
        return value
    yearly = _YEARLY_DAY.fullmatch(value) if isinstance(value, str) else None
    if yearly is None:
        try:
            return parse_iso_date(value)
        except ValueError:
            raise ValueError(
                f"{value!r} is neither a date YYYY-MM-DD nor a yearly day --MM-DD"
            ) from None
    month, day = int(yearly[1]), int(yearly[2])
    try:
        date(_LEAP_YEAR, month, day)
    except ValueError:
        raise ValueError(f"{value!r} is not a day of any year") from None
    return MonthDay(month, day)


def format_holiday(value: date | MonthDay) -> str:
    """The document spelling of a holiday."""
    if isinstance(value, MonthDay):
        return f"--{value.month:02d}-{value.day:02d}"
    return value.isoformat()


def _end_after_start(interval: tuple[int, int]) -> tuple[int, int]:
    start, end = interval
    if end <= start:
        raise ValueError(
            f"the end {format_clock_time(end)} is not after "
            f"the start {format_clock_time(start)}"
        )
    return interval


def _without_overlap(
    intervals: tuple[tuple[int, int], ...],
) -> tuple[tuple[int, int], ...]:
    ordered = tuple(sorted(intervals))
    for (start, end), (next_start, next_end) in pairwise(ordered):
        if next_start < end:
            raise ValueError(
                f"{format_clock_time(start)}-{format_clock_time(end)} overlaps "
                f"{format_clock_time(next_start)}-{format_clock_time(next_end)}"
            )
    return ordered


ClockTime = Annotated[
    int,
    PlainValidator(parse_clock_time, json_schema_input_type=str),
    PlainSerializer(format_clock_time, return_type=str),
]
Interval = Annotated[tuple[ClockTime, ClockTime], AfterValidator(_end_after_start)]
OpeningHours = Annotated[tuple[Interval, ...], AfterValidator(_without_overlap)]
IsoDate = Annotated[
    date,
    PlainValidator(parse_iso_date, json_schema_input_type=str),
    PlainSerializer(date.isoformat, return_type=str),
]
Holiday = Annotated[
    date | MonthDay,
    PlainValidator(parse_holiday, json_schema_input_type=str),
    PlainSerializer(format_holiday, return_type=str),
]
