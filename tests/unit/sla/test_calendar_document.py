"""Calendar documents: what parses, what is refused and where the error points."""

import json
from datetime import date
from typing import Any

import pytest
from desk_sla.domain.calendar import (
    DayLengths,
    business_day_lengths,
    calendar_from_document,
    calendar_to_document,
)
from desk_sla.domain.calendar_fields import MonthDay
from pydantic import ValidationError

DOCUMENT: dict[str, Any] = {
    "timezone": "Europe/Berlin",
    "hours": {
        "mon": [["08:00", "12:00"], ["13:00", "18:00"]],
        "fri": [["08:00", "16:00"]],
        "sat": [["00:00", "24:00"]],
    },
    "holidays": ["2016-11-01", "--12-25"],
    "overrides": {"2016-12-24": [["08:00", "12:00"]], "2016-12-31": []},
    "regional_holidays": {"country": "DE", "subdivision": "BY"},
}


def changed(**fields: Any) -> dict[str, Any]:
    """The example document with some fields replaced."""
    return {**DOCUMENT, **fields}


def test_a_document_round_trips() -> None:
    calendar = calendar_from_document(json.dumps(DOCUMENT))

    assert calendar_to_document(calendar) == DOCUMENT
    assert calendar_from_document(calendar_to_document(calendar)) == calendar


def test_a_document_reads_into_local_minutes_and_days() -> None:
    calendar = calendar_from_document(DOCUMENT)

    assert calendar.hours["mon"] == ((480, 720), (780, 1080))
    assert calendar.holidays == (date(2016, 11, 1), MonthDay(12, 25))
    assert calendar.overrides[date(2016, 12, 31)] == ()


def test_intervals_are_kept_in_order_and_weekdays_in_week_order() -> None:
    document = changed(hours={"tue": [["13:00", "18:00"], ["08:00", "12:00"]]})
    document["hours"]["mon"] = [["09:00", "10:00"]]

    serialised = calendar_to_document(calendar_from_document(document))

    assert list(serialised["hours"]) == ["mon", "tue"]
    assert serialised["hours"]["tue"] == [["08:00", "12:00"], ["13:00", "18:00"]]


def test_times_without_a_leading_zero_or_with_seconds_are_written_hh_mm() -> None:
    document = changed(hours={"mon": [["8:00", "12:00:00"], ["13:00:00", "24:00:00"]]})

    serialised = calendar_to_document(calendar_from_document(document))

    assert serialised["hours"] == {"mon": [["08:00", "12:00"], ["13:00", "24:00"]]}


def test_optional_parts_may_be_left_out() -> None:
    document = {"timezone": "UTC", "hours": {"sun": [["10:00", "11:00"]]}}

    calendar = calendar_from_document(document)

    assert calendar_to_document(calendar) == document | {
        "holidays": [],
        "overrides": {},
    }


def test_which_day_opens_what() -> None:
    calendar = calendar_from_document(DOCUMENT)
    bavarian = calendar.regional_holidays
    assert bavarian is not None
    regional = bavarian.dates(2016)

    assert calendar.opening_on(date(2016, 10, 31), regional) == (
        (480, 720),
        (780, 1080),
    )
    assert calendar.opening_on(date(2016, 11, 1), regional) == ()
    assert calendar.opening_on(date(2016, 12, 24), regional) == ((480, 720),)
    assert calendar.opening_on(date(2016, 12, 31), regional) == ()
    assert calendar.opening_on(date(2016, 1, 6), regional) == ()
    assert calendar.opening_on(date(2016, 1, 8), regional) == ((480, 960),)


REFUSED = {
    "unknown-time-zone": (
        changed(timezone="Mars/Olympus"),
        ("timezone",),
        "is not an IANA time zone",
    ),
    "hour-25": (
        changed(hours={"mon": [["08:00", "25:00"]]}),
        ("hours", "mon", 0, 1),
        "'25:00' is not a time of day",
    ),
    "seconds-past-the-minute": (
        changed(hours={"mon": [["08:00:30", "12:00"]]}),
        ("hours", "mon", 0, 0),
        "'08:00:30' has seconds: opening hours are whole minutes",
    ),
    "past-the-end-of-the-day": (
        changed(hours={"mon": [["08:00", "24:01"]]}),
        ("hours", "mon", 0, 1),
        "'24:01' is not a time of day",
    ),
    "minute-60": (
        changed(hours={"mon": [["8:60", "12:00"]]}),
        ("hours", "mon", 0, 0),
        "'8:60' is not a time of day",
    ),
    "single-digit-minute": (
        changed(hours={"mon": [["08:0", "12:00"]]}),
        ("hours", "mon", 0, 0),
        "'08:0' is not a time of day",
    ),
    "end-before-start": (
        changed(hours={"mon": [["18:00", "08:00"]]}),
        ("hours", "mon", 0),
        "the end 08:00 is not after the start 18:00",
    ),
    "empty-interval": (
        changed(hours={"mon": [["08:00", "08:00"]]}),
        ("hours", "mon", 0),
        "is not after",
    ),
    "overlapping-intervals": (
        changed(hours={"mon": [["08:00", "12:00"], ["11:00", "13:00"]]}),
        ("hours", "mon"),
        "08:00-12:00 overlaps 11:00-13:00",
    ),
    "three-times-in-an-interval": (
        changed(hours={"mon": [["08:00", "12:00", "13:00"]]}),
        ("hours", "mon", 0),
        "at most 2 items",
    ),
    "unknown-weekday": (
        changed(hours={"monday": [["08:00", "12:00"]]}),
        ("hours", "monday", "[key]"),
        "'mon'",
    ),
    "never-open": (
        changed(hours={"mon": [], "tue": []}),
        ("hours",),
        "no weekday has opening hours",
    ),
    "impossible-holiday": (
        changed(holidays=["2016-02-30"]),
        ("holidays", 0),
        "neither a date YYYY-MM-DD nor a yearly day --MM-DD",
    ),
    "impossible-yearly-holiday": (
        changed(holidays=["--02-30"]),
        ("holidays", 0),
        "is not a day of any year",
    ),
    "override-on-no-date": (
        changed(overrides={"2016-13-01": []}),
        ("overrides", "2016-13-01", "[key]"),
        "is not a date YYYY-MM-DD",
    ),
    "override-overlapping": (
        changed(overrides={"2016-12-24": [["08:00", "12:00"], ["09:00", "10:00"]]}),
        ("overrides", "2016-12-24"),
        "overlaps",
    ),
    "unknown-country": (
        changed(regional_holidays={"country": "XX"}),
        ("regional_holidays", "country"),
        "'XX' is not a country code",
    ),
    "unknown-subdivision": (
        changed(regional_holidays={"country": "DE", "subdivision": "ZZ"}),
        ("regional_holidays", "subdivision"),
        "'ZZ' is not a subdivision of DE",
    ),
    "unknown-field": (changed(colour="red"), ("colour",), "Extra inputs"),
}


@pytest.mark.parametrize(
    ("document", "location", "message"), REFUSED.values(), ids=REFUSED.keys()
)
def test_errors_name_the_field(
    document: dict[str, Any], location: tuple[str | int, ...], message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        calendar_from_document(document)

    errors = refused.value.errors()
    assert [error["loc"] for error in errors] == [location]
    assert message in errors[0]["msg"]


@pytest.mark.parametrize(
    ("timezone", "hours", "lengths"),
    [
        ("UTC", {"mon": [["08:00", "18:00"]]}, DayLengths(36_000, 36_000)),
        ("Asia/Kolkata", {"mon": [["08:00", "18:00"]]}, DayLengths(36_000, 36_000)),
        ("Europe/Berlin", {"mon": [["08:00", "18:00"]]}, DayLengths(32_400, 39_600)),
        (
            "UTC",
            {
                "mon": [["08:00", "12:00"], ["13:00", "18:00"]],
                "fri": [["08:00", "10:00"]],
            },
            DayLengths(7_200, 32_400),
        ),
        ("UTC", {"mon": [["08:00", "18:00"]], "sat": []}, DayLengths(36_000, 36_000)),
        ("Europe/Berlin", {"mon": [["08:30", "09:00"]]}, DayLengths(0, 5_400)),
    ],
)
def test_a_business_day_is_bounded_by_the_week_and_clock_changes(
    timezone: str, hours: dict[str, Any], lengths: DayLengths
) -> None:
    calendar = calendar_from_document({"timezone": timezone, "hours": hours})

    assert business_day_lengths(calendar) == lengths
