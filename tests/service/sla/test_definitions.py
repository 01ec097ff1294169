"""SLA definitions: every field of the guide, checked when saved, versioned."""

from typing import Any

import pytest

from tests.service.sla.conftest import OFFICE, Caller, fields_of

PATH = "/v1/sla/definitions"


def definition(**fields: Any) -> dict[str, Any]:
    return {"name": "First response", "breach": {"value": 4, "unit": "hour"}, **fields}


async def test_defaults_fill_what_is_left_out(admin: Caller) -> None:
    answer = await admin.post(PATH, definition())

    assert answer.status_code == 201, answer.text
    assert answer.headers["etag"] == '"1"'
    created = answer.json()
    assert created["calendar_id"] is None
    assert created["warning"] is None
    assert created["breach"] == {"value": 4, "unit": "hour", "colour": "#d32f2f"}
    assert created["complete_when"] == ["resolved", "closed"]
    assert created["pause_when"] == []
    assert created["notify"] == {
        "users": [],
        "primary_assignee": False,
        "all_assignees": False,
    }
    assert "{{ ticket.reference }}" in created["warning_template"]
    assert "{{ ticket.reference }}" in created["breach_template"]
    assert created["version"] == 1
    assert created["deleted_at"] is None


async def test_every_field_of_the_guide_is_kept(admin: Caller) -> None:
    office = await admin.created("/v1/sla/calendars", {"name": "Office", **OFFICE})
    body = {
        "name": "Priority support",
        "description": "Urgent hardware faults",
        "calendar_id": office["id"],
        "warning": {"value": 3, "unit": "hour", "colour": "#FFA000"},
        "breach": {"value": 4, "unit": "hour", "colour": "#b71c1c"},
        "warning_template": "{{ ticket.reference }}: {{ sla.remaining }} left",
        "breach_template": "{{ ticket.reference }} breached {{ sla.name }}",
        "notify": {"users": ["rita"], "primary_assignee": True, "all_assignees": True},
        "on_warning": [
            {"kind": "add_assignee", "assignee": {"kind": "team", "id": "tier-2"}}
        ],
        "on_breach": [
            {"kind": "reassign_primary", "assignee": {"kind": "user", "id": "rita"}},
            {"kind": "raise_priority", "priority": "urgent"},
        ],
        "complete_when": ["resolved"],
        "pause_when": ["pending", "pending"],
    }

    created = await admin.created(PATH, body)

    expected = {
        **body,
        "warning": {"value": 3, "unit": "hour", "colour": "#ffa000"},
        "on_warning": [
            {
                "kind": "add_assignee",
                "assignee": {"kind": "team", "id": "tier-2"},
                "priority": None,
            }
        ],
        "on_breach": [
            {
                "kind": "reassign_primary",
                "assignee": {"kind": "user", "id": "rita"},
                "priority": None,
            },
            {"kind": "raise_priority", "assignee": None, "priority": "urgent"},
        ],
        "pause_when": ["pending"],
    }
    assert {k: created[k] for k in expected} == expected
    assert (await admin.get(f"{PATH}/{created['id']}")).json() == created


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        (
            {"warning": {"value": 5, "unit": "hour"}},
            "warning.value",
            "the warning (5 hours) must come before the breach (4 hours)",
        ),
        (
            {"warning": {"value": 240, "unit": "minute"}},
            "warning.value",
            "the warning (240 minutes) must come before the breach (4 hours)",
        ),
        (
            {
                "warning": {"value": 2, "unit": "day"},
                "breach": {"value": 1, "unit": "day"},
            },
            "warning.value",
            "the warning (2 days) must come before the breach (1 day)",
        ),
        (
            {
                "warning": {"value": 25, "unit": "hour"},
                "breach": {"value": 1, "unit": "day"},
            },
            "warning.value",
            "must come before the breach",
        ),
        (
            {"pause_when": ["pending", "resolved"]},
            "pause_when.1",
            "'resolved' cannot both pause and complete the clock",
        ),
        (
            {"warning_template": "{{ ticket.subjet }}"},
            "warning_template",
            "the template does not render: undefined: 'dict object' has no "
            "attribute 'subjet'",
        ),
        (
            {"breach_template": "{% if sla.point %}"},
            "breach_template",
            "the template does not render: line 1: Unexpected end of template",
        ),
        (
            {"breach_template": "{{ ticket.__class__.__mro__ }}"},
            "breach_template",
            "not allowed: access to attribute '__class__'",
        ),
        (
            {"calendar_id": "0b8f6f3e-6c1a-4f4e-9a59-1d2a3c4b5e6f"},
            "calendar_id",
            "no calendar 0b8f6f3e-6c1a-4f4e-9a59-1d2a3c4b5e6f exists",
        ),
        (
            {"breach": {"value": 4, "unit": "hour", "colour": "reddish"}},
            "breach.colour",
            "'reddish' is not a colour #rgb or #rrggbb, nor a CSS colour name",
        ),
        (
            {"warning": {"value": 1, "unit": "hour", "colour": "#12345"}},
            "warning.colour",
            "is not a colour",
        ),
        ({"breach": {"value": 0, "unit": "hour"}}, "breach.value", "greater than"),
        ({"breach": {"value": 4, "unit": "week"}}, "breach.unit", "Input should"),
        ({"breach": {"value": 400, "unit": "day"}}, "breach", "at most 366 days"),
        ({"complete_when": []}, "complete_when", "at least 1 item"),
        ({"pause_when": ["waiting"]}, "pause_when.0", "Input should"),
        (
            {"on_breach": [{"kind": "reassign_primary"}]},
            "on_breach.0.assignee",
            "reassign_primary needs an assignee",
        ),
        (
            {"on_warning": [{"kind": "raise_priority"}]},
            "on_warning.0.priority",
            "raise_priority needs a priority",
        ),
        (
            {
                "on_warning": [
                    {
                        "kind": "raise_priority",
                        "priority": "high",
                        "assignee": {"kind": "user", "id": "bob"},
                    }
                ]
            },
            "on_warning.0.assignee",
            "raise_priority takes no assignee",
        ),
        (
            {"on_breach": [{"kind": "escalate"}]},
            "on_breach.0.kind",
            "Input should",
        ),
        (
            {"notify": {"primary": True}},
            "notify.primary",
            "Extra inputs are not permitted",
        ),
        (
            {"on_breach": [{"kind": "raise_priority", "priority": "high", "to": 1}]},
            "on_breach.0.to",
            "Extra inputs are not permitted",
        ),
        ({"name": ""}, "name", "at least 1 character"),
        ({"deadline": 4}, "deadline", "Extra inputs are not permitted"),
    ],
)
async def test_a_bad_definition_is_refused_naming_the_field(
    admin: Caller, fields: dict[str, Any], field: str, reason: str
) -> None:
    answer = await admin.post(PATH, definition(**fields))

    errors = fields_of(answer)
    assert field in errors, errors
    assert reason in errors[field], errors[field]
    assert (await admin.get(PATH)).json() == []


async def test_colour_names_are_stored_as_hex(admin: Caller) -> None:
    body = definition(
        warning={"value": 3, "unit": "hour", "colour": "Amber"},
        breach={"value": 4, "unit": "hour", "colour": "crimson"},
    )

    created = await admin.created(PATH, body)

    assert (created["warning"]["colour"], created["breach"]["colour"]) == (
        "#ffbf00",
        "#dc143c",
    )


async def test_mixed_units_compare_as_24_hour_days_without_a_calendar(
    admin: Caller,
) -> None:
    body = definition(
        warning={"value": 20, "unit": "hour"}, breach={"value": 1, "unit": "day"}
    )

    await admin.created(PATH, body)


async def test_hours_against_business_days_are_kept_when_they_can_come_first(
    admin: Caller,
) -> None:
    office = await admin.created("/v1/sla/calendars", {"name": "Office", **OFFICE})
    body = definition(
        calendar_id=office["id"],
        warning={"value": 4, "unit": "hour"},
        breach={"value": 1, "unit": "day"},
    )

    await admin.created(PATH, body)


@pytest.mark.parametrize(
    ("warning", "breach", "spoken"),
    [
        (
            {"value": 9, "unit": "hour"},
            {"value": 1, "unit": "day"},
            "the warning (9 hours) must come before the breach (1 day)",
        ),
        (
            {"value": 1, "unit": "day"},
            {"value": 11, "unit": "hour"},
            "the warning (1 day) must come before the breach (11 hours)",
        ),
        (
            {"value": 1, "unit": "day"},
            {"value": 30, "unit": "minute"},
            "the warning (1 day) must come before the breach (30 minutes)",
        ),
    ],
)
async def test_points_that_may_come_out_of_order_on_business_days_are_refused(
    admin: Caller, warning: dict[str, Any], breach: dict[str, Any], spoken: str
) -> None:
    office = await admin.created("/v1/sla/calendars", {"name": "Office", **OFFICE})
    body = definition(calendar_id=office["id"], warning=warning, breach=breach)

    errors = fields_of(await admin.post(PATH, body))

    assert errors == {
        "warning.value": f"{spoken}: a business day of the calendar opens "
        "from 9 to 11 hours"
    }


async def test_every_inconsistency_is_named_at_once(admin: Caller) -> None:
    body = definition(
        warning={"value": 9, "unit": "hour"},
        pause_when=["closed"],
        warning_template="{{ nope }}",
        breach_template="{{ also_nope }}",
    )

    errors = fields_of(await admin.post(PATH, body))

    assert set(errors) == {
        "warning.value",
        "pause_when.0",
        "warning_template",
        "breach_template",
    }


async def test_a_deleted_calendar_cannot_be_chosen(admin: Caller) -> None:
    office = await admin.created("/v1/sla/calendars", {"name": "Office", **OFFICE})
    await admin.delete(f"/v1/sla/calendars/{office['id']}")

    errors = fields_of(await admin.post(PATH, definition(calendar_id=office["id"])))

    assert "no calendar" in errors["calendar_id"]


async def test_replacing_needs_the_current_version(admin: Caller) -> None:
    created = await admin.created(PATH, definition())
    path = f"{PATH}/{created['id']}"
    longer = definition(breach={"value": 8, "unit": "hour"})

    changed = await admin.put(path, longer, **{"If-Match": '"1"'})
    stale = await admin.put(path, definition(), **{"If-Match": '"1"'})
    refused = await admin.put(path, definition(pause_when=["resolved"]))

    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert changed.json()["breach"]["value"] == 8
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert "pause_when.0" in fields_of(refused)
    assert (await admin.get(path)).json()["version"] == 2


async def test_names_are_unique_among_live_definitions(admin: Caller) -> None:
    first = await admin.created(PATH, definition(name="Gold"))
    second = await admin.created(PATH, definition(name="Silver"))

    clash = await admin.post(PATH, definition(name="gold"))
    rename = await admin.put(f"{PATH}/{second['id']}", definition(name="Gold"))

    assert "another SLA definition is named" in fields_of(clash)["name"]
    assert "name" in fields_of(rename)
    await admin.delete(f"{PATH}/{first['id']}")
    await admin.created(PATH, definition(name="Gold"))


async def test_a_deleted_definition_stays_readable(admin: Caller) -> None:
    created = await admin.created(PATH, definition(name="Bronze"))
    path = f"{PATH}/{created['id']}"

    assert (await admin.delete(path, **{"If-Match": '"2"'})).status_code == 412
    assert (await admin.delete(path, **{"If-Match": '"1"'})).status_code == 204

    read = (await admin.get(path)).json()
    assert read["name"] == "Bronze"
    assert read["deleted_at"] is not None
    assert read["version"] == 2
    assert (await admin.get(PATH)).json() == []
    listed = (await admin.get(PATH, deleted="true")).json()
    assert [d["id"] for d in listed] == [created["id"]]
    assert (await admin.put(path, definition())).status_code == 404
    assert (await admin.delete(path)).status_code == 404


async def test_definitions_are_listed_by_name(admin: Caller) -> None:
    for name in ("silver", "Gold", "bronze"):
        await admin.created(PATH, definition(name=name))

    listed = (await admin.get(PATH)).json()

    assert [d["name"] for d in listed] == ["bronze", "Gold", "silver"]


async def test_operators_read_and_managers_write(admin: Caller) -> None:
    created = await admin.created(PATH, definition())
    path = f"{PATH}/{created['id']}"
    agent = admin.as_user("bob", permissions=("support:request:update:assigned",))
    requester = admin.as_user("rick", kind="requester")

    assert (await agent.get(path)).json()["name"] == "First response"
    assert [d["id"] for d in (await agent.get(PATH)).json()] == [created["id"]]
    for answer in (
        await agent.post(PATH, definition(name="Mine")),
        await agent.put(path, definition(name="Mine")),
        await agent.delete(path),
        await requester.get(path),
        await requester.get(PATH),
    ):
        assert answer.status_code == 403, answer.text
    assert (await admin.get(path)).json()["version"] == 1


async def test_definitions_of_other_tenants_are_not_found(
    admin: Caller, sla_service: Any
) -> None:
    created = await admin.created(PATH, definition())
    stranger = Caller(sla_service, admin.tenant + "-stranger")
    path = f"{PATH}/{created['id']}"

    assert (await stranger.get(path)).status_code == 404
    assert (await stranger.put(path, definition())).status_code == 404
    assert (await stranger.delete(path)).status_code == 404
    assert (await stranger.get(PATH)).json() == []
