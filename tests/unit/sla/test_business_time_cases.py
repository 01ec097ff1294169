"""Business-hours cases, several adapted from other help desks' suites.

Zammad's escalation tests supplied the holiday case (13:56:21 on a holiday), its
follow-up update deadline and the weekend and after-hours starts. Zammad counts
whole minutes and reports a deadline at an interval's end; our rules keep the
start's seconds and move such a deadline to the next opening, so those expected
values differ from Zammad's where noted.
"""

from datetime import date, datetime, timedelta
from typing import NamedTuple

import pytest
from desk_sla.domain.business_time import (
    BusinessClock,
    CountedSpan,
    DurationUnit,
    business_clock,
)
from desk_sla.domain.errors import CalendarNeverOpens

from tests.unit.sla.builders import EVERY_DAY, clock, hours, minutes, utc, week

BRIEF = clock(holidays=["2016-11-01"], overrides={"2016-12-24": [["08:00", "12:00"]]})
LONG_DAYS = clock(hours=week([["08:00", "20:00"]]), holidays=["2016-11-01"])
UTC_OFFICE = clock("UTC")
UTC_OFFICE_XMAS = clock("UTC", holidays=["2012-12-24", "2012-12-25", "2012-12-26"])
BERLIN = clock()
BAVARIA = clock(regional_holidays={"country": "DE", "subdivision": "BY"})
LUNCH = clock(hours=week([["08:00", "12:00"], ["13:00", "17:00"]]))
LUNCH_HOLIDAY = clock(
    hours=week([["08:00", "12:00"], ["13:00", "17:00"]]), holidays=["2016-11-01"]
)
CHRISTMAS = clock(
    holidays=["--12-25", "--12-26"],
    overrides={"2016-12-24": [["08:00", "12:00"]], "2015-12-24": [["08:00", "12:00"]]},
)
NIGHT_SHIFT = clock(
    "America/New_York",
    hours={
        "mon": [["22:00", "24:00"]],
        **week([["00:00", "06:00"], ["22:00", "24:00"]], ("tue", "wed", "thu", "fri")),
        "sat": [["00:00", "06:00"]],
    },
)
NEW_YORK = clock("America/New_York", week([["09:00", "17:00"]]))
US_FEDERAL = clock(
    "America/New_York", week([["09:00", "17:00"]]), regional_holidays={"country": "US"}
)
BERLIN_ALL_DAY = clock(hours=week([["00:00", "24:00"]], EVERY_DAY))
WEEKENDS_ALL_DAY = clock(hours=week([["00:00", "24:00"]], ("sat", "sun")))
NEW_YORK_ALL_DAY = clock("America/New_York", week([["00:00", "24:00"]], EVERY_DAY))
ALWAYS = business_clock(None)


def sundays(*intervals: list[str]) -> BusinessClock:
    """A Berlin calendar open on Sundays only, for the nights clocks change."""
    return clock(hours={"sun": list(intervals)})


class Due(NamedTuple):
    clock: BusinessClock
    start: str
    seconds: float
    expected: str


DUE = {
    "holiday-clock-starts-next-morning": Due(
        BRIEF, "2016-11-01T13:56:21", minutes(120), "2016-11-02T09:00:00"
    ),
    "zammad-holiday-first-response": Due(
        LONG_DAYS, "2016-11-01T13:56:21", minutes(120), "2016-11-02T09:00:00"
    ),
    "zammad-holiday-update": Due(
        LONG_DAYS, "2016-11-01T13:56:21", minutes(1200), "2016-11-03T15:00:00"
    ),
    # Zammad, counting whole minutes, answers 09:26:00.
    "start-seconds-kept": Due(
        LONG_DAYS, "2016-11-07T13:26:36", minutes(1200), "2016-11-09T09:26:36"
    ),
    "inside-hours": Due(
        BERLIN, "2013-03-21T09:30:00", minutes(60), "2013-03-21T10:30:00"
    ),
    "inside-hours-longer": Due(
        BERLIN, "2013-03-21T09:30:00", minutes(180), "2013-03-21T12:30:00"
    ),
    "friday-night-start": Due(
        BERLIN, "2013-04-12T21:20:15", minutes(120), "2013-04-15T08:00:00"
    ),
    "weekend-start": Due(
        BERLIN, "2013-03-09T10:00:00", minutes(120), "2013-03-11T09:00:00"
    ),
    # Zammad answers 2012-12-17 18:00, the end of the interval.
    "deadline-at-interval-end-moves-to-next-opening": Due(
        UTC_OFFICE, "2012-12-17T08:00:00", minutes(600), "2012-12-18T08:00:00"
    ),
    "one-minute-past-interval-end": Due(
        UTC_OFFICE, "2012-12-17T08:00:00", minutes(601), "2012-12-18T08:01:00"
    ),
    "a-working-week-ends-on-monday-morning": Due(
        UTC_OFFICE, "2012-12-17T08:00:00", minutes(3000), "2012-12-24T08:00:00"
    ),
    "two-working-weeks-and-a-half-day": Due(
        UTC_OFFICE, "2012-12-17T08:00:00", minutes(6330), "2012-12-31T13:30:00"
    ),
    "zero-while-open-is-the-start": Due(
        UTC_OFFICE, "2012-12-17T10:00:00.123456", 0, "2012-12-17T10:00:00.123456"
    ),
    # Zammad answers the start itself.
    "zero-while-closed-is-next-opening": Due(
        BERLIN, "2013-04-12T21:20:15", 0, "2013-04-15T06:00:00"
    ),
    "zero-at-interval-end-is-next-opening": Due(
        UTC_OFFICE, "2012-12-17T18:00:00", 0, "2012-12-18T08:00:00"
    ),
    "zero-at-opening-is-the-opening": Due(
        UTC_OFFICE, "2012-12-17T08:00:00", 0, "2012-12-17T08:00:00"
    ),
    "lunch-break-skipped": Due(
        LUNCH, "2017-01-10T10:30:00", minutes(60), "2017-01-10T12:30:00"
    ),
    "deadline-at-lunch-moves-after-lunch": Due(
        LUNCH, "2017-01-10T10:00:00", minutes(60), "2017-01-10T12:00:00"
    ),
    "start-during-lunch": Due(
        LUNCH, "2017-01-10T11:30:00", minutes(30), "2017-01-10T12:30:00"
    ),
    "override-opens-a-saturday": Due(
        CHRISTMAS, "2016-12-23T16:00:00", minutes(120), "2016-12-24T08:00:00"
    ),
    "shortened-christmas-eve-then-holidays": Due(
        CHRISTMAS, "2015-12-24T10:00:00", minutes(120), "2015-12-28T08:00:00"
    ),
    "overnight-shift-across-midnight": Due(
        NIGHT_SHIFT, "2017-01-10T04:00:00", minutes(180), "2017-01-10T07:00:00"
    ),
    "overnight-shift-over-the-weekend": Due(
        NIGHT_SHIFT, "2017-01-14T10:00:00", minutes(120), "2017-01-17T04:00:00"
    ),
    "open-all-day-counts-real-time-over-spring-forward": Due(
        BERLIN_ALL_DAY, "2016-03-26T12:00:00", hours(24), "2016-03-27T12:00:00"
    ),
    "berlin-office-over-spring-forward": Due(
        BERLIN, "2016-03-25T16:00:00", minutes(120), "2016-03-28T07:00:00"
    ),
    "berlin-office-over-fall-back": Due(
        BERLIN, "2016-10-28T15:00:00", minutes(120), "2016-10-31T08:00:00"
    ),
    "new-york-office-over-spring-forward": Due(
        NEW_YORK, "2017-03-10T21:00:00", minutes(120), "2017-03-13T14:00:00"
    ),
    "new-york-office-over-fall-back": Due(
        NEW_YORK, "2017-11-03T20:00:00", minutes(120), "2017-11-06T15:00:00"
    ),
    "regional-holiday-epiphany-in-bavaria": Due(
        BAVARIA, "2016-01-05T16:00:00", minutes(120), "2016-01-07T08:00:00"
    ),
    "no-epiphany-without-the-region": Due(
        BERLIN, "2016-01-05T16:00:00", minutes(120), "2016-01-06T08:00:00"
    ),
    "regional-holiday-independence-day": Due(
        US_FEDERAL, "2017-07-03T20:00:00", minutes(120), "2017-07-05T14:00:00"
    ),
    # 01:00-02:30 that night is 00:00-01:30 UTC: 02:30 is read as 03:30 summer time.
    "interval-ending-in-the-gap": Due(
        sundays(["01:00", "02:30"]), "2016-03-27T00:00", minutes(80), "2016-03-27T01:20"
    ),
}


@pytest.mark.parametrize("case", DUE.values(), ids=DUE.keys())
def test_due(case: Due) -> None:
    assert case.clock.due(utc(case.start), case.seconds) == utc(case.expected)


class Between(NamedTuple):
    clock: BusinessClock
    start: str
    end: str
    expected: float


# Windows of the Sunday cases: 2016-03-27 and 2016-10-30, midnight to midnight.
SPRING_SUNDAY = ("2016-03-26T23:00", "2016-03-27T22:00")
AUTUMN_SUNDAY = ("2016-10-29T22:00", "2016-10-30T23:00")

BETWEEN = {
    "one-working-day": Between(
        UTC_OFFICE, "2012-12-17T08:00", "2012-12-18T08:00", hours(10)
    ),
    "christmas-holidays-skipped-seconds-kept": Between(
        UTC_OFFICE_XMAS, "2012-12-23T08:00", "2012-12-27T10:30:42", 9042
    ),
    "end-after-hours": Between(
        UTC_OFFICE, "2013-02-28T17:00", "2013-02-28T23:59:59", hours(1)
    ),
    "both-after-hours": Between(
        UTC_OFFICE, "2013-02-28T18:01", "2013-02-28T18:10:59", 0
    ),
    "berlin-winter-open": Between(
        BERLIN, "2013-02-28T16:01", "2013-02-28T16:10:59", 599
    ),
    "berlin-winter-closed": Between(
        BERLIN, "2013-02-28T17:01", "2013-02-28T17:10:59", 0
    ),
    "berlin-summer-closed": Between(
        BERLIN, "2013-08-29T16:01", "2013-08-29T16:10:59", 0
    ),
    "backwards-is-negative": Between(
        UTC_OFFICE, "2012-12-18T08:00", "2012-12-17T08:00", -hours(10)
    ),
    "berlin-spring-forward-day-has-23-hours": Between(
        BERLIN_ALL_DAY, *SPRING_SUNDAY, hours(23)
    ),
    "berlin-fall-back-day-has-25-hours": Between(
        BERLIN_ALL_DAY, *AUTUMN_SUNDAY, hours(25)
    ),
    "new-york-spring-forward-day-has-23-hours": Between(
        NEW_YORK_ALL_DAY, "2017-03-12T05:00", "2017-03-13T04:00", hours(23)
    ),
    "new-york-fall-back-day-has-25-hours": Between(
        NEW_YORK_ALL_DAY, "2017-11-05T04:00", "2017-11-06T05:00", hours(25)
    ),
    "interval-over-the-gap": Between(
        sundays(["01:00", "04:00"]), *SPRING_SUNDAY, hours(2)
    ),
    # 02:30 does not exist that night: fold=0 reads it as 03:30 summer time.
    "interval-starting-in-the-gap": Between(
        sundays(["02:30", "05:00"]), *SPRING_SUNDAY, hours(1.5)
    ),
    "interval-ending-in-the-gap": Between(
        sundays(["01:00", "02:30"]), *SPRING_SUNDAY, hours(1.5)
    ),
    "overlap-after-the-gap-merges": Between(
        sundays(["01:00", "02:30"], ["03:00", "04:00"]), *SPRING_SUNDAY, hours(2)
    ),
    "interval-inside-the-gap-is-empty": Between(
        sundays(["02:00", "03:00"]), *SPRING_SUNDAY, 0
    ),
    "same-interval-a-week-later": Between(
        sundays(["02:00", "03:00"]), "2016-04-02T22:00", "2016-04-03T22:00", hours(1)
    ),
    # 02:30 happens twice that night: fold=0 takes the first, in summer time.
    "interval-ending-in-the-fold": Between(
        sundays(["01:00", "02:30"]), *AUTUMN_SUNDAY, hours(1.5)
    ),
    "interval-starting-in-the-fold": Between(
        sundays(["02:30", "03:30"]), *AUTUMN_SUNDAY, hours(2)
    ),
    "new-york-interval-inside-the-gap-is-empty": Between(
        clock("America/New_York", {"sun": [["02:00", "03:00"]]}),
        "2017-03-12T05:00",
        "2017-03-13T04:00",
        0,
    ),
}


@pytest.mark.parametrize("case", BETWEEN.values(), ids=BETWEEN.keys())
def test_business_seconds_between(case: Between) -> None:
    elapsed = case.clock.business_seconds_between(utc(case.start), utc(case.end))

    assert elapsed == case.expected


class Budget(NamedTuple):
    clock: BusinessClock
    start: str
    days: int
    seconds: float
    due: str


BUDGETS = {
    "day-from-a-holiday-keeps-its-time": Budget(
        BRIEF,
        "2016-11-01T13:56:21",
        1,
        hours(6) + minutes(56) + 21,
        "2016-11-02T13:56:21",
    ),
    "day-from-a-holiday-dawn-is-due-at-the-opening": Budget(
        BRIEF, "2016-11-01T05:00", 1, 0, "2016-11-02T07:00"
    ),
    "two-days-same-local-time": Budget(
        BRIEF, "2016-11-07T09:30:15", 2, hours(20), "2016-11-09T09:30:15"
    ),
    "next-business-day-is-a-short-override": Budget(
        CHRISTMAS, "2016-12-23T14:00", 1, hours(7), "2016-12-27T07:00"
    ),
    "saturday-start-keeps-its-time-on-monday": Budget(
        BERLIN, "2016-11-05T09:30", 1, hours(2.5), "2016-11-07T09:30"
    ),
    "after-closing-is-due-at-the-opening-after-the-day": Budget(
        BERLIN, "2016-11-07T18:30", 1, hours(10), "2016-11-09T07:00"
    ),
    "five-days-lunch-breaks-and-a-holiday": Budget(
        LUNCH_HOLIDAY, "2016-10-31T13:15", 5, hours(40), "2016-11-08T13:15"
    ),
    "day-over-spring-forward-is-23-hours": Budget(
        BERLIN_ALL_DAY, "2016-03-26T11:00", 1, hours(23), "2016-03-27T10:00"
    ),
    "day-from-the-short-day": Budget(
        BERLIN_ALL_DAY, "2016-03-27T00:30", 1, hours(23), "2016-03-27T23:30"
    ),
    # The same local time, 02:30, falls in the gap: fold=0 makes it 03:30.
    "day-ending-in-the-gap": Budget(
        BERLIN_ALL_DAY, "2016-03-26T01:30", 1, hours(24), "2016-03-27T01:30"
    ),
    # From Friday, closed: Sunday 02:30 does not exist and is read as 03:30.
    "days-from-a-closed-day-into-the-gap": Budget(
        WEEKENDS_ALL_DAY, "2016-03-25T01:30", 2, hours(26.5), "2016-03-27T01:30"
    ),
    "day-over-fall-back-is-25-hours": Budget(
        NEW_YORK_ALL_DAY, "2017-11-04T16:00", 1, hours(25), "2017-11-05T17:00"
    ),
    "without-calendar-a-day-is-24-hours": Budget(
        ALWAYS, "2016-03-26T11:00", 2, hours(48), "2016-03-28T11:00"
    ),
    "zero-days": Budget(BERLIN, "2016-11-05T09:00", 0, 0, "2016-11-07T07:00"),
}


@pytest.mark.parametrize("case", BUDGETS.values(), ids=BUDGETS.keys())
def test_day_budgets(case: Budget) -> None:
    budget = case.clock.budget_seconds(utc(case.start), case.days, DurationUnit.DAY)

    assert budget == case.seconds
    assert case.clock.due(utc(case.start), budget) == utc(case.due)


@pytest.mark.parametrize("clock", [BERLIN, ALWAYS])
@pytest.mark.parametrize(
    ("value", "unit", "seconds"),
    [(90, DurationUnit.MINUTE, 5400), (2, DurationUnit.HOUR, 7200)],
)
def test_minute_and_hour_budgets(
    clock: BusinessClock, value: int, unit: DurationUnit, seconds: float
) -> None:
    assert clock.budget_seconds(utc("2016-11-05T09:00"), value, unit) == seconds


def span(start: str, end: str) -> CountedSpan:
    """A counted span and its length."""
    first, last = utc(start), utc(end)
    return CountedSpan(first, last, (last - first).total_seconds())


class Explained(NamedTuple):
    clock: BusinessClock
    start: str
    seconds: float
    spans: list[CountedSpan]


EXPLAINED = {
    "holiday": Explained(
        BRIEF,
        "2016-11-01T13:56:21",
        minutes(120),
        [span("2016-11-02T07:00", "2016-11-02T09:00")],
    ),
    "lunch-break": Explained(
        LUNCH,
        "2017-01-10T10:30",
        minutes(120),
        [
            span("2017-01-10T10:30", "2017-01-10T11:00"),
            span("2017-01-10T12:00", "2017-01-10T13:30"),
        ],
    ),
    "up-to-the-interval-end": Explained(
        UTC_OFFICE,
        "2012-12-17T08:00",
        minutes(600),
        [span("2012-12-17T08:00", "2012-12-17T18:00")],
    ),
    "overnight-is-one-span": Explained(
        NIGHT_SHIFT,
        "2017-01-10T04:00",
        minutes(180),
        [span("2017-01-10T04:00", "2017-01-10T07:00")],
    ),
    "zero": Explained(BERLIN, "2016-11-05T09:00", 0, []),
    "always-open": Explained(
        ALWAYS,
        "2016-11-05T09:00",
        minutes(90),
        [span("2016-11-05T09:00", "2016-11-05T10:30")],
    ),
}


@pytest.mark.parametrize("case", EXPLAINED.values(), ids=EXPLAINED.keys())
def test_explain(case: Explained) -> None:
    assert case.clock.explain(utc(case.start), case.seconds) == case.spans


def test_without_calendar_every_second_counts() -> None:
    start = datetime.fromisoformat("2016-03-27T01:30:00.25+01:00")

    due = ALWAYS.due(start, 3600.5)

    assert due == start + timedelta(seconds=3600.5)
    assert due.utcoffset() == timedelta(0)
    assert ALWAYS.business_seconds_between(start, due) == 3600.5


@pytest.mark.parametrize("clock", [BERLIN, ALWAYS])
def test_naive_instants_are_refused(clock: BusinessClock) -> None:
    with pytest.raises(ValueError, match="no time zone"):
        clock.due(datetime(2016, 11, 1, 12), 60)


@pytest.mark.parametrize("clock", [BERLIN, ALWAYS])
def test_negative_durations_are_refused(clock: BusinessClock) -> None:
    with pytest.raises(ValueError, match="zero or positive"):
        clock.due(utc("2016-11-01T12:00"), -1)


@pytest.mark.parametrize("clock", [BERLIN, ALWAYS])
def test_day_budgets_are_whole_days(clock: BusinessClock) -> None:
    with pytest.raises(ValueError, match="whole number"):
        clock.budget_seconds(utc("2016-11-01T12:00"), 1.5, DurationUnit.DAY)


def test_a_calendar_whose_days_are_all_holidays_never_opens() -> None:
    leap_year = [date(2016, 1, 1) + timedelta(days=n) for n in range(366)]
    every_day = [f"--{day.month:02d}-{day.day:02d}" for day in leap_year]
    closed = clock(holidays=every_day)

    with pytest.raises(CalendarNeverOpens):
        closed.due(utc("2016-11-01T12:00"), 60)
