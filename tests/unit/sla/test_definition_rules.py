"""What makes a definition consistent: point order, statuses, templates, actions."""

from typing import Any

import pytest
from desk_sla.domain.calendar import DayLengths
from desk_sla.domain.definition_rules import definition_errors
from helpdesk_contracts.api.sla import SlaDefinitionWrite

CALENDAR = "0b8f6f3e-6c1a-4f4e-9a59-1d2a3c4b5e6f"
OFFICE_DAY = DayLengths(9 * 3600, 11 * 3600)
"""The calendar the tests name: 10 hours a day, an hour either way in spring and
autumn."""


def errors(**fields: Any) -> dict[str, str]:
    body = {"name": "SLA", "breach": {"value": 1, "unit": "day"}, **fields}
    definition = SlaDefinitionWrite.model_validate(body)
    day = None if definition.calendar_id is None else OFFICE_DAY
    return dict(definition_errors(definition, day))


def point(value: int, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit}


def test_the_defaults_are_consistent() -> None:
    assert errors() == {}


@pytest.mark.parametrize(
    ("warning", "breach", "calendar", "ok"),
    [
        (point(59, "minute"), point(1, "hour"), None, True),
        (point(60, "minute"), point(1, "hour"), None, False),
        (point(23, "hour"), point(1, "day"), None, True),
        (point(24, "hour"), point(1, "day"), None, False),
        (point(1, "day"), point(2, "day"), CALENDAR, True),
        (point(2, "day"), point(2, "day"), CALENDAR, False),
        (point(7, "hour"), point(8, "hour"), CALENDAR, True),
        (point(479, "minute"), point(8, "hour"), CALENDAR, True),
        (point(480, "minute"), point(8, "hour"), CALENDAR, False),
        (point(4, "hour"), point(1, "day"), CALENDAR, True),
        (point(8, "hour"), point(1, "day"), CALENDAR, True),
        (point(9, "hour"), point(1, "day"), CALENDAR, False),
        (point(539, "minute"), point(1, "day"), CALENDAR, True),
        (point(540, "minute"), point(1, "day"), CALENDAR, False),
        (point(17, "hour"), point(2, "day"), CALENDAR, True),
        (point(18, "hour"), point(2, "day"), CALENDAR, False),
        (point(1, "day"), point(12, "hour"), CALENDAR, True),
        (point(1, "day"), point(11, "hour"), CALENDAR, False),
        (point(1, "day"), point(1, "hour"), CALENDAR, False),
        (point(1, "day"), point(661, "minute"), CALENDAR, True),
        (point(1, "day"), point(660, "minute"), CALENDAR, False),
        (point(2, "day"), point(23, "hour"), CALENDAR, True),
        (point(2, "day"), point(22, "hour"), CALENDAR, False),
        (point(1, "day"), point(25, "hour"), None, True),
        (point(1, "day"), point(24, "hour"), None, False),
    ],
)
def test_the_warning_comes_before_the_breach(
    warning: dict[str, Any], breach: dict[str, Any], calendar: str | None, ok: bool
) -> None:
    found = errors(warning=warning, breach=breach, calendar_id=calendar)

    assert (found == {}) is ok, found


def test_hours_that_may_not_come_before_business_days_name_the_day() -> None:
    found = errors(warning=point(9, "hour"), calendar_id=CALENDAR)

    assert found == {
        "warning.value": "the warning (9 hours) must come before the breach "
        "(1 day): a business day of the calendar opens from 9 to 11 hours"
    }


def test_a_day_of_fixed_length_is_named_once() -> None:
    definition = SlaDefinitionWrite.model_validate(
        {"name": "SLA", "warning": point(1, "day"), "breach": point(10, "hour")}
    )

    found = dict(definition_errors(definition, DayLengths(36_000, 36_000)))

    assert found == {
        "warning.value": "the warning (1 day) must come before the breach "
        "(10 hours): a business day of the calendar opens 10 hours"
    }


def test_no_warning_point_is_fine() -> None:
    assert errors(warning=None) == {}


def test_a_status_cannot_both_pause_and_complete() -> None:
    found = errors(pause_when=["pending", "closed"], complete_when=["closed"])

    assert found == {
        "pause_when.1": "'closed' cannot both pause and complete the clock"
    }


def test_each_template_is_rendered_once() -> None:
    found = errors(warning_template="{{ sla.nope }}", breach_template="{{ sla.name }}")

    assert list(found) == ["warning_template"]
    assert "has no attribute 'nope'" in found["warning_template"]


@pytest.mark.parametrize(
    ("action", "wrong"),
    [
        ({"kind": "add_assignee"}, ["assignee"]),
        ({"kind": "reassign_primary", "priority": "high"}, ["assignee", "priority"]),
        (
            {"kind": "raise_priority", "assignee": {"kind": "user", "id": "a"}},
            ["assignee", "priority"],
        ),
        ({"kind": "raise_priority", "priority": "urgent"}, []),
        ({"kind": "add_assignee", "assignee": {"kind": "team", "id": "t"}}, []),
    ],
)
def test_actions_carry_what_their_kind_needs(
    action: dict[str, Any], wrong: list[str]
) -> None:
    found = errors(on_breach=[action])

    assert sorted(found) == [f"on_breach.0.{field}" for field in wrong]
