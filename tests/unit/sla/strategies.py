"""Hypothesis strategies: random calendars and starts close to clock changes."""

from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from desk_sla.domain.calendar import BusinessCalendar, calendar_from_document
from desk_sla.domain.calendar_fields import WEEKDAYS, format_clock_time
from hypothesis import strategies as st

# Northern and southern daylight saving, half-hour and 45-minute offsets, a zone
# whose clocks change at midnight, and zones that never change.
ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Santiago",
    "Asia/Kolkata",
    "UTC",
)
DST_ZONES = ZONES[:6]
YEARS = (2016, 2025)
WINDOW_DAYS = 8
WINDOW_MINUTES = WINDOW_DAYS * 24 * 60

# Times of day in minutes; the hours clocks change in (01:00-04:00) come often.
ANY_TIME = st.one_of(st.integers(0, 24 * 60), st.integers(60, 4 * 60))
# Away from every clock change of ZONES: 00:00, 04:00-23:00 and 24:00.
CALM_TIME = st.one_of(st.integers(4 * 60, 23 * 60), st.sampled_from((0, 24 * 60)))


@cache
def clock_change_days(zone_name: str, year: int) -> tuple[datetime, ...]:
    """Midnights UTC of the days in ``year`` on which the zone's offset changes."""
    zone = ZoneInfo(zone_name)
    midnight = datetime(year, 1, 1, tzinfo=UTC)
    days = [midnight + timedelta(days=n) for n in range(366)]
    offsets = [day.astimezone(zone).utcoffset() for day in days]
    return tuple(
        day
        for day, before, after in zip(days, offsets, offsets[1:], strict=False)
        if before != after
    )


@st.composite
def starts(draw: st.DrawFn, zone: str, whole_minutes: bool = True) -> datetime:
    """An instant within a few days of a clock change of ``zone`` (when it has any)."""
    year = draw(st.integers(*YEARS))
    changes = clock_change_days(zone, year) or (datetime(year, 6, 1, tzinfo=UTC),)
    anchor = draw(st.sampled_from(changes))
    start = anchor + timedelta(minutes=draw(st.integers(-3 * 1440, 3 * 1440)))
    if whole_minutes:
        return start
    return start + timedelta(microseconds=draw(st.integers(0, 60_000_000 - 1)))


@st.composite
def intervals(draw: st.DrawFn, times: st.SearchStrategy[int]) -> list[list[str]]:
    """Up to three non-overlapping intervals with endpoints drawn from ``times``."""
    points = draw(st.lists(times, unique=True, max_size=6))
    points.sort()
    pairs = zip(points[::2], points[1::2], strict=False)
    return [[format_clock_time(start), format_clock_time(end)] for start, end in pairs]


@st.composite
def calendars(
    draw: st.DrawFn,
    zone: str,
    near: datetime,
    times: st.SearchStrategy[int] = ANY_TIME,
) -> BusinessCalendar:
    """A calendar of ``zone`` with holidays and overrides in the days after ``near``."""
    hours = {day: draw(intervals(times)) for day in WEEKDAYS}
    if not any(hours.values()):
        hours["wed"] = [["09:00", "17:00"]]
    nearby = st.integers(-1, WINDOW_DAYS).map(
        lambda days: near.date() + timedelta(days=days)
    )
    holidays = draw(st.lists(nearby, max_size=2))
    overrides = draw(st.dictionaries(nearby, intervals(times), max_size=2))
    return calendar_from_document(
        {
            "timezone": zone,
            "hours": hours,
            "holidays": [_holiday(day, draw(st.booleans())) for day in holidays],
            "overrides": {day.isoformat(): spans for day, spans in overrides.items()},
        }
    )


def _holiday(day: date, yearly: bool) -> str:
    return f"--{day.month:02d}-{day.day:02d}" if yearly else day.isoformat()


def micro_seconds(most: int) -> st.SearchStrategy[float]:
    """Durations in seconds, whole microseconds, often whole minutes, up to ``most``."""
    minutes = st.integers(0, most // 60).map(lambda count: count * 60.0)
    micros = st.integers(0, most * 1_000_000).map(lambda count: count / 1_000_000)
    return st.one_of(minutes, micros)
