"""Instants and durations as integer microseconds since the Unix epoch.

Business time adds and subtracts these integers, never floats or datetimes, so
its sums are exact; datetimes are converted on the way in and out.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

MICROS_PER_SECOND = 1_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)
MICROS_PER_MINUTE = 60 * MICROS_PER_SECOND
DAY_MICROS = 24 * 60 * MICROS_PER_MINUTE


def local_micros(day: date, minutes: int, zone: ZoneInfo) -> int:
    """The instant of a wall-clock time ``minutes`` after ``day``'s midnight."""
    # An aware datetime plus a timedelta is wall-clock arithmetic in Python: 24:00
    # becomes the next day's 00:00 and the result keeps fold=0.
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    return (midnight + timedelta(minutes=minutes) - EPOCH) // ONE_MICROSECOND


def to_micros(instant: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime."""
    try:
        return (instant - EPOCH) // ONE_MICROSECOND
    except TypeError:
        raise ValueError(f"{instant!r} has no time zone") from None


def from_micros(micros: int) -> datetime:
    """The UTC datetime ``micros`` microseconds after the Unix epoch."""
    # Positional arguments: a keyword timedelta costs twice as much on a hot path.
    return EPOCH + timedelta(0, 0, micros)


def duration_micros(seconds: float) -> int:
    """A non-negative duration in seconds as whole microseconds."""
    if not seconds >= 0:
        raise ValueError(f"a duration must be zero or positive, not {seconds!r}")
    return round(seconds * MICROS_PER_SECOND)
