"""``POST /v1/sla/preview``: where a calendar puts deadlines, over HTTP.

The business-hours cases come from ``tests/unit/sla/test_business_time_cases.py``
(several adapted there from Zammad's escalation and calendar tests), here as the
JSON an administrator sends.
"""

from datetime import date, timedelta
from typing import Any, NamedTuple

import pytest

from tests.service.sla.conftest import OFFICE, Caller, fields_of

PATH = "/v1/sla/preview"
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")


def week(*intervals: list[str], days: tuple[str, ...] = WORKDAYS) -> dict[str, Any]:
    return {day: list(intervals) for day in days}


def berlin(**fields: Any) -> dict[str, Any]:
    """The Berlin office, open 08:00-18:00 on workdays, with ``fields`` changed."""
    return {**OFFICE, **fields}


BRIEF = berlin(holidays=["2016-11-01"], overrides={"2016-12-24": [["08:00", "12:00"]]})
LONG_DAYS = berlin(hours=week(["08:00", "20:00"]), holidays=["2016-11-01"])
UTC_OFFICE = berlin(timezone="UTC")
LUNCH = berlin(hours=week(["08:00", "12:00"], ["13:00", "17:00"]))
CHRISTMAS = berlin(
    holidays=["--12-25", "--12-26"],
    overrides={"2016-12-24": [["08:00", "12:00"]], "2015-12-24": [["08:00", "12:00"]]},
)
NIGHT_SHIFT = {
    "timezone": "America/New_York",
    "hours": {
        "mon": [["22:00", "24:00"]],
        **week(["00:00", "06:00"], ["22:00", "24:00"], days=("tue", "wed", "thu")),
        "fri": [["00:00", "06:00"], ["22:00", "24:00"]],
        "sat": [["00:00", "06:00"]],
    },
}
NEW_YORK = {"timezone": "America/New_York", "hours": week(["09:00", "17:00"])}
BAVARIA = berlin(regional_holidays={"country": "DE", "subdivision": "BY"})
US_FEDERAL = {**NEW_YORK, "regional_holidays": {"country": "US"}}
BERLIN_ALL_DAY = berlin(hours=week(["00:00", "24:00"], days=(*WORKDAYS, "sat", "sun")))


class Case(NamedTuple):
    calendar: dict[str, Any] | None
    start: str
    value: int
    unit: str
    due: str


CASES = {
    "zammad-holiday-first-response": Case(
        LONG_DAYS, "2016-11-01T13:56:21Z", 120, "minute", "2016-11-02T09:00:00Z"
    ),
    "zammad-holiday-update": Case(
        LONG_DAYS, "2016-11-01T13:56:21Z", 1200, "minute", "2016-11-03T15:00:00Z"
    ),
    "zammad-start-seconds-kept": Case(
        LONG_DAYS, "2016-11-07T13:26:36Z", 20, "hour", "2016-11-09T09:26:36Z"
    ),
    "zammad-friday-night-start": Case(
        OFFICE, "2013-04-12T21:20:15Z", 2, "hour", "2013-04-15T08:00:00Z"
    ),
    "zammad-weekend-start": Case(
        OFFICE, "2013-03-09T10:00:00Z", 120, "minute", "2013-03-11T09:00:00Z"
    ),
    "zammad-deadline-at-interval-end-moves-to-next-opening": Case(
        UTC_OFFICE, "2012-12-17T08:00:00Z", 600, "minute", "2012-12-18T08:00:00Z"
    ),
    "zammad-two-working-weeks-and-a-half-day": Case(
        UTC_OFFICE, "2012-12-17T08:00:00Z", 6330, "minute", "2012-12-31T13:30:00Z"
    ),
    "offset-start-is-the-same-instant": Case(
        UTC_OFFICE, "2012-12-17T09:00:00+01:00", 90, "minute", "2012-12-17T09:30:00Z"
    ),
    "zero-while-closed-is-next-opening": Case(
        OFFICE, "2013-04-12T21:20:15Z", 0, "minute", "2013-04-15T06:00:00Z"
    ),
    "lunch-break-skipped": Case(
        LUNCH, "2017-01-10T10:30:00Z", 60, "minute", "2017-01-10T12:30:00Z"
    ),
    "override-opens-a-saturday": Case(
        CHRISTMAS, "2016-12-23T16:00:00Z", 2, "hour", "2016-12-24T08:00:00Z"
    ),
    "shortened-christmas-eve-then-holidays": Case(
        CHRISTMAS, "2015-12-24T10:00:00Z", 2, "hour", "2015-12-28T08:00:00Z"
    ),
    "overnight-shift-across-midnight": Case(
        NIGHT_SHIFT, "2017-01-10T04:00:00Z", 3, "hour", "2017-01-10T07:00:00Z"
    ),
    "berlin-office-over-spring-forward": Case(
        OFFICE, "2016-03-25T16:00:00Z", 2, "hour", "2016-03-28T07:00:00Z"
    ),
    "new-york-office-over-fall-back": Case(
        NEW_YORK, "2017-11-03T20:00:00Z", 2, "hour", "2017-11-06T15:00:00Z"
    ),
    "regional-holiday-epiphany-in-bavaria": Case(
        BAVARIA, "2016-01-05T16:00:00Z", 2, "hour", "2016-01-07T08:00:00Z"
    ),
    "regional-holiday-independence-day": Case(
        US_FEDERAL, "2017-07-03T20:00:00Z", 2, "hour", "2017-07-05T14:00:00Z"
    ),
    "day-from-a-holiday-keeps-its-time": Case(
        BRIEF, "2016-11-01T13:56:21Z", 1, "day", "2016-11-02T13:56:21Z"
    ),
    "saturday-start-keeps-its-time-on-monday": Case(
        OFFICE, "2016-11-05T09:30:00Z", 1, "day", "2016-11-07T09:30:00Z"
    ),
    "day-over-spring-forward-is-23-hours": Case(
        BERLIN_ALL_DAY, "2016-03-26T11:00:00Z", 1, "day", "2016-03-27T10:00:00Z"
    ),
    "without-calendar-a-day-is-24-hours": Case(
        None, "2016-03-26T11:00:00Z", 2, "day", "2016-03-28T11:00:00Z"
    ),
    "without-calendar-every-minute-counts": Case(
        None, "2016-11-05T09:00:00Z", 90, "minute", "2016-11-05T10:30:00Z"
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_due_instants(admin: Caller, case: Case) -> None:
    body = {
        "calendar": case.calendar,
        "start": case.start,
        "durations": [{"value": case.value, "unit": case.unit}],
    }

    answer = await admin.post(PATH, body)

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"due": [case.due]}


async def test_the_issue_example(admin: Caller) -> None:
    body = {
        "calendar": {
            "timezone": "Europe/Berlin",
            "hours": week(["08:00", "18:00"]),
            "holidays": ["2016-11-01"],
            "overrides": {"2016-12-24": [["08:00", "12:00"]]},
        },
        "start": "2016-11-01T13:56:21Z",
        "durations": [{"value": 120, "unit": "minute"}],
    }

    answer = await admin.post(PATH, body)

    assert answer.json() == {"due": ["2016-11-02T09:00:00Z"]}


async def test_several_durations_answer_in_order(admin: Caller) -> None:
    body = {
        "calendar": LUNCH,
        "start": "2017-01-10T10:30:00Z",
        "durations": [
            {"value": 2, "unit": "hour"},
            {"value": 30, "unit": "minute"},
            {"value": 1, "unit": "day"},
        ],
        "explain": True,
    }

    answer = (await admin.post(PATH, body)).json()

    assert answer["due"] == [
        "2017-01-10T13:30:00Z",
        "2017-01-10T12:00:00Z",  # 11:00 ends the morning: due at the next opening
        "2017-01-11T10:30:00Z",
    ]
    assert answer["explanations"][0] == [
        {
            "start": "2017-01-10T10:30:00Z",
            "end": "2017-01-10T11:00:00Z",
            "seconds": 1800.0,
        },
        {
            "start": "2017-01-10T12:00:00Z",
            "end": "2017-01-10T13:30:00Z",
            "seconds": 5400.0,
        },
    ]
    assert sum(s["seconds"] for s in answer["explanations"][2]) == 8 * 3600


async def test_a_stored_calendar_may_be_named_as_the_calendar(admin: Caller) -> None:
    stored = await admin.created("/v1/sla/calendars", {"name": "Brief", **BRIEF})
    body = {
        "calendar": stored["id"],
        "start": "2016-11-01T13:56:21Z",
        "durations": [{"value": 120, "unit": "minute"}],
    }

    answer = await admin.post(PATH, body)

    assert answer.json() == {"due": ["2016-11-02T09:00:00Z"]}


async def test_a_stored_calendar_is_used_by_its_id(admin: Caller) -> None:
    stored = await admin.created("/v1/sla/calendars", {"name": "Brief", **BRIEF})
    body = {
        "calendar_id": stored["id"],
        "start": "2016-11-01T13:56:21Z",
        "durations": [{"value": 120, "unit": "minute"}],
        "explain": True,
    }

    answer = (await admin.post(PATH, body)).json()

    assert answer == {
        "due": ["2016-11-02T09:00:00Z"],
        "explanations": [
            [
                {
                    "start": "2016-11-02T07:00:00Z",
                    "end": "2016-11-02T09:00:00Z",
                    "seconds": 7200.0,
                }
            ]
        ],
    }


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (
            {"calendar": {**OFFICE, "timezone": "Europe/Atlantis"}},
            "calendar.timezone",
            "'Europe/Atlantis' is not an IANA time zone",
        ),
        (
            {
                "calendar": {
                    **OFFICE,
                    "hours": {"mon": [["08:00", "12:00"], ["09:00", "10:00"]]},
                }
            },
            "calendar.hours.mon",
            "08:00-12:00 overlaps 09:00-10:00",
        ),
        (
            {"calendar": {**OFFICE, "hours": {"tue": [["17:00", "09:00"]]}}},
            "calendar.hours.tue.0",
            "the end 09:00 is not after the start 17:00",
        ),
        (
            {"calendar": {**OFFICE, "hours": {"mo": [["08:00", "12:00"]]}}},
            "calendar.hours.mo",
            "Input should be 'mon'",
        ),
        (
            {"calendar": {**OFFICE, "holidays": ["2016-11-31"]}},
            "calendar.holidays.0",
            "'2016-11-31' is neither a date",
        ),
        (
            {"calendar": {**OFFICE, "overrides": {"24.12.2016": []}}},
            "calendar.overrides.24.12.2016",
            "is not a date YYYY-MM-DD",
        ),
        (
            {"calendar": None, "calendar_id": "0b8f6f3e-6c1a-4f4e-9a59-1d2a3c4b5e6f"},
            "calendar_id",
            "no calendar 0b8f6f3e-6c1a-4f4e-9a59-1d2a3c4b5e6f exists",
        ),
        (
            {"calendar_id": "0b8f6f3e-6c1a-4f4e-9a59-1d2a3c4b5e6f"},
            "calendar_id",
            "give calendar or calendar_id, not both",
        ),
        (
            {
                "calendar": "0b8f6f3e-6c1a-4f4e-9a59-1d2a3c4b5e6f",
                "calendar_id": "1b8f6f3e-6c1a-4f4e-9a59-1d2a3c4b5e6f",
            },
            "calendar_id",
            "give calendar or calendar_id, not both",
        ),
        (
            {"calendar": {**OFFICE, "hours": {"mon": "08:00-18:00"}}},
            "calendar.hours.mon",
            "Input should be a valid list",
        ),
        ({"calendar": {**OFFICE, "name": "x"}}, "calendar.name", "Extra inputs"),
        ({"start": "2016-11-01T13:56:21"}, "start", "timezone"),
        ({"start": "1900-01-01T00:00:00Z"}, "start", "must be from 1970 to 2200"),
        ({"durations": []}, "durations", "at least 1 item"),
        (
            {"durations": [{"value": -1, "unit": "hour"}]},
            "durations.0.value",
            "greater than or equal to 0",
        ),
        ({"durations": [{"value": 1, "unit": "week"}]}, "durations.0.unit", "Input"),
        (
            {"durations": [{"value": 9000, "unit": "hour"}]},
            "durations.0",
            "at most 8784 hours",
        ),
    ],
)
async def test_a_bad_preview_is_refused_naming_the_field(
    admin: Caller, change: dict[str, Any], field: str, reason: str
) -> None:
    body = {
        "calendar": OFFICE,
        "start": "2016-11-01T13:56:21Z",
        "durations": [{"value": 1, "unit": "hour"}],
        **change,
    }

    errors = fields_of(await admin.post(PATH, body))

    assert field in errors, errors
    assert reason in errors[field], errors[field]


async def test_a_calendar_closed_for_years_is_refused(admin: Caller) -> None:
    leap_year = [date(2000, 1, 1) + timedelta(days=n) for n in range(366)]
    every_day = [day.strftime("--%m-%d") for day in leap_year]
    body = {
        "calendar": {
            "timezone": "UTC",
            "hours": OFFICE["hours"],
            "holidays": every_day,
        },
        "start": "2016-11-01T00:00:00Z",
        "durations": [{"value": 1, "unit": "hour"}],
    }

    errors = fields_of(await admin.post(PATH, body))

    assert "no opening hours" in errors["calendar"]


async def test_stored_calendars_of_other_tenants_are_unknown(
    admin: Caller, sla_service: Any
) -> None:
    stored = await admin.created("/v1/sla/calendars", {"name": "Mine", **OFFICE})
    stranger = Caller(sla_service, admin.tenant + "-stranger")
    body = {
        "calendar_id": stored["id"],
        "start": "2016-11-01T13:56:21Z",
        "durations": [{"value": 1, "unit": "hour"}],
    }

    assert "calendar_id" in fields_of(await stranger.post(PATH, body))


async def test_the_preview_needs_the_manage_permission(admin: Caller) -> None:
    agent = admin.as_user("bob", permissions=("support:request:update:all",))
    body = {
        "start": "2016-11-01T13:56:21Z",
        "durations": [{"value": 1, "unit": "hour"}],
    }

    answer = await agent.post(PATH, body)

    assert answer.status_code == 403
    assert answer.json()["permission"] == "support:sla:manage"
