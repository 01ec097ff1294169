"""Business-hours calendars: stored per tenant, validated, versioned, soft-deleted."""

import asyncio
from typing import Any

import pytest

from tests.service.sla.conftest import OFFICE, Caller, fields_of


def calendar(**fields: Any) -> dict[str, Any]:
    return {"name": "Berlin office", **OFFICE, **fields}


async def test_a_calendar_is_stored_as_written_times_as_hh_mm(admin: Caller) -> None:
    body = calendar(
        hours={"mon": [["13:00:00", "18:00"], ["8:00", "12:00"]], "sat": []},
        holidays=["2016-11-01", "--12-25"],
        overrides={"2016-12-24": [["08:00", "12:00"]], "2016-12-31": []},
        regional_holidays={"country": "DE", "subdivision": "BY"},
    )

    answer = await admin.post("/v1/sla/calendars", body)

    assert answer.status_code == 201, answer.text
    assert answer.headers["etag"] == '"1"'
    created = answer.json()
    assert created["hours"] == {
        "mon": [["08:00", "12:00"], ["13:00", "18:00"]],
        "sat": [],
    }
    assert created["holidays"] == ["2016-11-01", "--12-25"]
    assert created["overrides"] == {
        "2016-12-24": [["08:00", "12:00"]],
        "2016-12-31": [],
    }
    assert created["regional_holidays"] == {"country": "DE", "subdivision": "BY"}
    again = await admin.get(f"/v1/sla/calendars/{created['id']}")
    assert again.json() == created
    listed = await admin.get("/v1/sla/calendars")
    assert [c["id"] for c in listed.json()] == [created["id"]]


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "is not an IANA time zone"),
        (
            {"hours": {"mon": [["08:00", "12:00"], ["11:00", "13:00"]]}},
            "hours.mon",
            "08:00-12:00 overlaps 11:00-13:00",
        ),
        (
            {"hours": {"mon": [["18:00", "08:00"]]}},
            "hours.mon.0",
            "the end 08:00 is not after the start 18:00",
        ),
        (
            {"hours": {"mon": [["08:00", "25:00"]]}},
            "hours.mon.0.1",
            "'25:00' is not a time of day",
        ),
        ({"hours": {"mon": [["8", "12:00"]]}}, "hours.mon.0.0", "is not a time"),
        (
            {"hours": {"mon": [["08:00:30", "12:00"]]}},
            "hours.mon.0.0",
            "'08:00:30' has seconds: opening hours are whole minutes",
        ),
        ({"hours": {"monday": [["08:00", "12:00"]]}}, "hours.monday", "Input should"),
        ({"hours": {"sat": []}}, "hours", "no weekday has opening hours"),
        ({"holidays": ["2016-02-30"]}, "holidays.0", "neither a date"),
        ({"holidays": ["--02-30"]}, "holidays.0", "is not a day of any year"),
        ({"holidays": ["next friday"]}, "holidays.0", "neither a date"),
        ({"overrides": {"2016-13-01": []}}, "overrides.2016-13-01", "not a date"),
        (
            {"overrides": {"2016-12-24": [["12:00", "08:00"]]}},
            "overrides.2016-12-24.0",
            "is not after the start",
        ),
        (
            {"regional_holidays": {"country": "XX"}},
            "regional_holidays.country",
            "is not a country code",
        ),
        (
            {"regional_holidays": {"country": "DE", "subdivision": "ZZ"}},
            "regional_holidays.subdivision",
            "'ZZ' is not a subdivision of DE",
        ),
        ({"name": " "}, "name", "at least 1 character"),
        ({"colour": "red"}, "colour", "Extra inputs are not permitted"),
    ],
)
async def test_a_bad_calendar_is_refused_naming_the_field(
    admin: Caller, fields: dict[str, Any], field: str, reason: str
) -> None:
    answer = await admin.post("/v1/sla/calendars", calendar(**fields))

    errors = fields_of(answer)
    assert field in errors, errors
    assert reason in errors[field], errors[field]
    assert (await admin.get("/v1/sla/calendars")).json() == []


async def test_names_are_unique_per_tenant_among_live_calendars(
    admin: Caller, sla_service: Any
) -> None:
    first = await admin.created("/v1/sla/calendars", calendar(name="Office"))

    clash = await admin.post("/v1/sla/calendars", calendar(name="OFFICE"))
    assert "another calendar is named" in fields_of(clash)["name"]

    other_tenant = Caller(sla_service, admin.tenant + "-other")
    await other_tenant.created("/v1/sla/calendars", calendar(name="Office"))
    gone = await admin.delete(f"/v1/sla/calendars/{first['id']}")
    assert gone.status_code == 204
    await admin.created("/v1/sla/calendars", calendar(name="Office"))


async def test_replacing_needs_the_current_version(admin: Caller) -> None:
    created = await admin.created("/v1/sla/calendars", calendar())
    path = f"/v1/sla/calendars/{created['id']}"

    changed = await admin.put(path, calendar(timezone="UTC"), **{"If-Match": '"1"'})
    stale = await admin.put(path, calendar(timezone="UTC"), **{"If-Match": '"1"'})

    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert changed.json()["timezone"] == "UTC"
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    unconditional = await admin.put(path, calendar(name="Renamed"))
    assert unconditional.json()["version"] == 3


async def test_calendars_of_other_tenants_are_not_found(
    admin: Caller, sla_service: Any
) -> None:
    created = await admin.created("/v1/sla/calendars", calendar())
    stranger = Caller(sla_service, admin.tenant + "-stranger")
    path = f"/v1/sla/calendars/{created['id']}"

    assert (await stranger.get(path)).status_code == 404
    assert (await stranger.put(path, calendar())).status_code == 404
    assert (await stranger.delete(path)).status_code == 404
    assert (await admin.get(path)).json()["version"] == 1


async def test_a_deleted_calendar_stays_readable(admin: Caller) -> None:
    created = await admin.created("/v1/sla/calendars", calendar())
    path = f"/v1/sla/calendars/{created['id']}"

    assert (await admin.delete(path, **{"If-Match": '"7"'})).status_code == 412
    assert (await admin.delete(path, **{"If-Match": '"1"'})).status_code == 204

    read = await admin.get(path)
    assert read.json()["deleted_at"] is not None
    assert (await admin.get("/v1/sla/calendars")).json() == []
    assert (await admin.delete(path)).status_code == 404
    assert (await admin.put(path, calendar())).status_code == 404


async def test_a_calendar_in_use_cannot_be_deleted(admin: Caller) -> None:
    created = await admin.created("/v1/sla/calendars", calendar())
    definition = await admin.created(
        "/v1/sla/definitions",
        {
            "name": "Office hours",
            "calendar_id": created["id"],
            "breach": {"value": 8, "unit": "hour"},
        },
    )
    path = f"/v1/sla/calendars/{created['id']}"

    refused = await admin.delete(path)
    assert refused.status_code == 409
    assert "Office hours" in refused.json()["detail"]

    await admin.delete(f"/v1/sla/definitions/{definition['id']}")
    assert (await admin.delete(path)).status_code == 204


async def test_calendars_need_the_manage_permission(admin: Caller) -> None:
    created = await admin.created("/v1/sla/calendars", calendar())
    path = f"/v1/sla/calendars/{created['id']}"
    agent = admin.as_user("bob", permissions=("support:request:update:all",))

    for answer in (
        await agent.get("/v1/sla/calendars"),
        await agent.get(path),
        await agent.post("/v1/sla/calendars", calendar(name="Mine")),
        await agent.put(path, calendar(name="Mine")),
        await agent.delete(path),
    ):
        assert answer.status_code == 403, answer.text
        assert answer.json()["permission"] == "support:sla:manage"
    assert (await admin.get(path)).json()["version"] == 1


async def test_no_definition_keeps_a_calendar_deleted_meanwhile(admin: Caller) -> None:
    for round_ in range(20):
        created = await admin.created("/v1/sla/calendars", calendar(name=f"C{round_}"))
        body = {
            "name": f"D{round_}",
            "calendar_id": created["id"],
            "breach": {"value": 8, "unit": "hour"},
        }

        saved, deleted = await asyncio.gather(
            admin.post("/v1/sla/definitions", body),
            admin.delete(f"/v1/sla/calendars/{created['id']}"),
        )

        outcome = (saved.status_code, deleted.status_code)
        assert outcome in {(201, 409), (422, 204)}, (saved.text, deleted.text)
