"""Calendars and instants for the business-hours tests."""

from datetime import UTC, datetime
from typing import Any

from desk_sla.domain.business_time import BusinessClock, business_clock
from desk_sla.domain.calendar import BusinessCalendar, calendar_from_document

WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
EVERY_DAY = (*WORKDAYS, "sat", "sun")


def week(
    intervals: list[list[str]], days: tuple[str, ...] = WORKDAYS
) -> dict[str, list[list[str]]]:
    """The same opening intervals on each of ``days``."""
    return {day: intervals for day in days}


def calendar(
    timezone: str = "Europe/Berlin",
    hours: dict[str, list[list[str]]] | None = None,
    **document: Any,
) -> BusinessCalendar:
    """A calendar open 08:00-18:00 on workdays unless told otherwise."""
    return calendar_from_document(
        {"timezone": timezone, "hours": hours or week([["08:00", "18:00"]]), **document}
    )


def clock(
    timezone: str = "Europe/Berlin",
    hours: dict[str, list[list[str]]] | None = None,
    **document: Any,
) -> BusinessClock:
    """The business clock of ``calendar(...)``."""
    return business_clock(calendar(timezone, hours, **document))


def utc(text: str) -> datetime:
    """An ISO 8601 instant without offset, read as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def hours(value: float) -> float:
    """Seconds in ``value`` hours."""
    return value * 3600


def minutes(value: float) -> float:
    """Seconds in ``value`` minutes."""
    return value * 60
