"""An administrator sets up business hours and an SLA through the gateway."""

from tests.e2e.conftest import Api, Desk

OFFICE = {
    "name": "Berlin office",
    "timezone": "Europe/Berlin",
    "hours": {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": ["2016-11-01"],
    "overrides": {"2016-12-24": [["08:00", "12:00"]]},
}


def admin_api(desk: Desk, tenant: str) -> Api:
    token = desk.token(tenant, "alice", "support:sla:manage")
    return Api(desk.gateway, token)


def test_calendar_preview_and_definition_round_trip(desk: Desk, tenant: str) -> None:
    admin = admin_api(desk, tenant)

    calendar = admin.post("/v1/sla/calendars", json=OFFICE)
    assert calendar.status_code == 201, calendar.text
    calendar_id = calendar.json()["id"]

    preview = admin.post(
        "/v1/sla/preview",
        json={
            "calendar_id": calendar_id,
            "start": "2016-11-01T13:56:21Z",
            "durations": [
                {"value": 120, "unit": "minute"},
                {"value": 1, "unit": "day"},
            ],
        },
    )
    assert preview.status_code == 200, preview.text
    assert preview.json() == {"due": ["2016-11-02T09:00:00Z", "2016-11-02T13:56:21Z"]}

    created = admin.post(
        "/v1/sla/definitions",
        json={
            "name": "First response",
            "calendar_id": calendar_id,
            "warning": {"value": 3, "unit": "hour"},
            "breach": {"value": 4, "unit": "hour"},
            "notify": {"primary_assignee": True},
            "pause_when": ["pending"],
        },
    )
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"1"'
    path = f"/v1/sla/definitions/{created.json()['id']}"

    changed = admin.put(
        path,
        json={"name": "First response", "breach": {"value": 8, "unit": "hour"}},
        headers={"if-match": created.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    stale = admin.put(
        path,
        json={"name": "First response", "breach": {"value": 2, "unit": "hour"}},
        headers={"if-match": '"1"'},
    )
    assert stale.status_code == 412

    operator = Api(
        desk.gateway, desk.token(tenant, "bob", "support:request:update:all")
    )
    read = operator.get(path)
    assert read.status_code == 200
    assert read.json()["breach"] == {"value": 8, "unit": "hour", "colour": "#d32f2f"}


def test_bad_input_is_refused_naming_the_field(desk: Desk, tenant: str) -> None:
    admin = admin_api(desk, tenant)

    calendar = admin.post(
        "/v1/sla/calendars",
        json={**OFFICE, "hours": {"mon": [["08:00", "12:00"], ["11:00", "13:00"]]}},
    )
    definition = admin.post(
        "/v1/sla/definitions",
        json={
            "name": "Broken",
            "warning": {"value": 5, "unit": "hour"},
            "breach": {"value": 4, "unit": "hour"},
            "breach_template": "{{ ticket.nope }}",
        },
    )

    assert calendar.status_code == 422
    assert calendar.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in calendar.json()["errors"]] == ["hours.mon"]
    assert definition.status_code == 422
    fields = {e["field"] for e in definition.json()["errors"]}
    assert fields == {"warning.value", "breach_template"}


def test_managing_needs_the_permission(desk: Desk, tenant: str) -> None:
    operator = Api(
        desk.gateway, desk.token(tenant, "bob", "support:request:update:all")
    )
    requester = Api(desk.gateway, desk.token(tenant, "rick", kind="requester"))

    for answer in (
        operator.post("/v1/sla/calendars", json=OFFICE),
        operator.get("/v1/sla/calendars"),
        operator.post(
            "/v1/sla/preview",
            json={
                "start": "2016-11-01T13:56:21Z",
                "durations": [{"value": 1, "unit": "hour"}],
            },
        ),
        operator.post(
            "/v1/sla/definitions",
            json={"name": "Mine", "breach": {"value": 4, "unit": "hour"}},
        ),
        requester.get("/v1/sla/definitions"),
    ):
        assert answer.status_code == 403, answer.text
    assert operator.get("/v1/sla/definitions").json() == []
