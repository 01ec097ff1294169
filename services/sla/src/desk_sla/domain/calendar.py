"""Business-hours calendars: when a help desk is open, in its own wall-clock time.

A calendar names an IANA time zone, the weekly opening intervals (several per
weekday, ``HH:MM`` to ``HH:MM``, up to ``24:00``), whole-day holidays (one-off
dates, yearly ``--MM-DD`` days and optionally a country's or region's public
holidays from the ``holidays`` package) and dated overrides with their own
intervals. What one day opens is decided in this order:

1. an override for the date gives that day's intervals (none: closed), even on a
   holiday, so an extra opening or a shortened Christmas Eve is one entry;
2. otherwise a holiday closes the day;
3. otherwise the weekday's intervals apply (a weekday left out is closed).

The JSON document (``calendar_from_document`` / ``calendar_to_document``)::

    {"timezone": "Europe/Berlin",
     "hours": {"mon": [["08:00", "12:00"], ["13:00", "18:00"]], ...},
     "holidays": ["2016-11-01", "--12-25"],
     "overrides": {"2016-12-24": [["08:00", "12:00"]]},
     "regional_holidays": {"country": "DE", "subdivision": "BY"}}

Validation errors are pydantic's, located at the offending field (``hours.mon.0``,
``regional_holidays.subdivision``, ...). How the intervals become instants and how
business time is counted is in ``desk_sla.domain.business_time``.
"""

from collections.abc import Container, Mapping
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from desk_sla.domain.calendar_fields import (
    WEEKDAYS,
    Holiday,
    Interval,
    IsoDate,
    MonthDay,
    OpeningHours,
    Weekday,
)


@cache
def _supported_regions() -> Mapping[str, frozenset[str]]:
    countries = holidays.list_supported_countries()
    return {code: frozenset(regions) for code, regions in countries.items()}


class RegionalHolidays(BaseModel):
    """Public holidays of a country, or of one of its regions, from ``holidays``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str
    subdivision: str | None = None

    @field_validator("country")
    @classmethod
    def _known_country(cls, country: str) -> str:
        if country not in _supported_regions():
            raise ValueError(
                f"{country!r} is not a country code of the holidays package"
            )
        return country

    @field_validator("subdivision")
    @classmethod
    def _known_subdivision(
        cls, subdivision: str | None, info: ValidationInfo
    ) -> str | None:
        country = info.data.get("country")
        if subdivision is None or country is None:
            return subdivision
        if subdivision not in _supported_regions()[country]:
            raise ValueError(f"{subdivision!r} is not a subdivision of {country}")
        return subdivision

    def dates(self, year: int) -> frozenset[date]:
        """The public holidays of ``year``."""
        found = holidays.country_holidays(
            self.country, subdiv=self.subdivision, years=year
        )
        return frozenset(found.keys())


class BusinessCalendar(BaseModel):
    """When a help desk is open: weekly hours, holidays and dated overrides."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str
    hours: dict[Weekday, OpeningHours]
    holidays: tuple[Holiday, ...] = ()
    overrides: dict[IsoDate, OpeningHours] = Field(default_factory=dict)
    regional_holidays: RegionalHolidays | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, timezone: str) -> str:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{timezone!r} is not an IANA time zone") from None
        return timezone

    @field_validator("hours")
    @classmethod
    def _opens_some_day(
        cls, hours: dict[Weekday, tuple[Interval, ...]]
    ) -> dict[Weekday, tuple[Interval, ...]]:
        # A week without any opening would leave every deadline unreachable.
        if not any(hours.values()):
            raise ValueError("no weekday has opening hours")
        return {day: hours[day] for day in WEEKDAYS if day in hours}

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        return ZoneInfo(self.timezone)

    def is_holiday(self, day: date, regional: Container[date] = ()) -> bool:
        """Whether ``day`` is one of the calendar's or ``regional`` holidays."""
        return (
            day in regional
            or day in self.holidays
            or MonthDay(day.month, day.day) in self.holidays
        )

    def opening_on(
        self, day: date, regional: Container[date] = ()
    ) -> tuple[Interval, ...]:
        """The local intervals open on ``day``, in minutes after its midnight."""
        if day in self.overrides:
            return self.overrides[day]
        if self.is_holiday(day, regional):
            return ()
        return self.hours.get(WEEKDAYS[day.weekday()], ())


class DayLengths(NamedTuple):
    """The fewest and the most seconds a business day opens."""

    shortest: int
    longest: int


def business_day_lengths(calendar: BusinessCalendar) -> DayLengths:
    """The shortest and longest weekday's opening hours in seconds, an hour
    either way when the zone changes its clocks (such a day is 23 or 25 hours)."""
    lengths = [
        60 * sum(end - start for start, end in day)
        for day in calendar.hours.values()
        if day
    ]
    slack = 3600 if changes_clocks(calendar.timezone) else 0
    return DayLengths(max(0, min(lengths) - slack), max(lengths) + slack)


@cache
def changes_clocks(timezone: str) -> bool:
    """Whether ``timezone``'s offset changes in the years clocks may run in.

    Read on the 1st and 15th of each month from 1970 to 2200, which finds every
    zone of the tz database that a daily reading finds.
    """
    zone = ZoneInfo(timezone)
    offsets = {
        zone.utcoffset(datetime(year, month, day))
        for year in range(1970, 2200)
        for month in range(1, 13)
        for day in (1, 15)
    }
    return len(offsets) > 1


def calendar_from_document(
    document: str | bytes | Mapping[str, Any],
) -> BusinessCalendar:
    """The calendar a JSON document (text or already decoded) describes."""
    if isinstance(document, str | bytes):
        return BusinessCalendar.model_validate_json(document)
    return BusinessCalendar.model_validate(document)


def calendar_to_document(calendar: BusinessCalendar) -> dict[str, Any]:
    """The JSON-ready document of ``calendar``."""
    return calendar.model_dump(mode="json", exclude_none=True)
