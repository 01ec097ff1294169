"""What makes a definition consistent: point order, statuses, templates, actions."""

from typing import Any

import pytest
from desk_sla.domain.definition_rules import definition_errors
from helpdesk_contracts.api.sla import SlaDefinitionWrite

CALENDAR = "0b8f6f3e-6c1a-4f4e-9a59-1d2a3c4b5e6f"
TEN_HOURS = 10 * 3600
"""The longest day of the calendar the tests name."""


def errors(**fields: Any) -> dict[str, str]:
    body = {"name": "SLA", "breach": {"value": 1, "unit": "day"}, **fields}
    definition = SlaDefinitionWrite.model_validate(body)
    longest_day = None if definition.calendar_id is None else TEN_HOURS
    return dict(definition_errors(definition, longest_day))


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
        (point(4, "hour"), point(1, "day"), CALENDAR, True),
        (point(10, "hour"), point(1, "day"), CALENDAR, True),
        (point(11, "hour"), point(1, "day"), CALENDAR, False),
        (point(21, "hour"), point(2, "day"), CALENDAR, True),
        (point(22, "hour"), point(2, "day"), CALENDAR, False),
        (point(1, "day"), point(30, "hour"), CALENDAR, True),
        (point(1, "day"), point(1, "hour"), CALENDAR, True),
    ],
)
def test_the_warning_comes_before_the_breach(
    warning: dict[str, Any], breach: dict[str, Any], calendar: str | None, ok: bool
) -> None:
    found = errors(warning=warning, breach=breach, calendar_id=calendar)

    assert (found == {}) is ok, found


def test_hours_never_before_business_days_name_the_calendar_day() -> None:
    found = errors(warning=point(12, "hour"), calendar_id=CALENDAR)

    assert found == {
        "warning.value": "the warning (12 hours) must come before the breach "
        "(1 day): the calendar opens at most 10 hours a day"
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
