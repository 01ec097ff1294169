"""Teams / groups: managed with support:settings:groups, announced with members."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.service.tickets.conftest import Caller, Listener, listening, new_tenant

GROUPS = ["support:settings:groups", "support:request:update:all"]


@pytest.fixture
async def team_events() -> AsyncIterator[Listener]:
    async with listening("team.#") as listener:
        yield listener


@pytest.fixture
def admin(desk: Caller) -> Caller:
    return desk.as_user("alice", permissions=GROUPS)


async def test_a_team_is_created_changed_and_deleted_with_its_members_announced(
    admin: Caller, team_events: Listener
) -> None:
    created = await admin.post(
        "/v1/teams", {"name": "Plumbers", "description": "Pipes", "member_ids": ["bob"]}
    )
    team = created.json()
    changed = await admin.patch(
        f"/v1/teams/{team['id']}", {"name": "Plumbing", "member_ids": ["bob", "rita"]}
    )
    deleted = await admin.request("DELETE", f"/v1/teams/{team['id']}")
    events = sorted(
        await team_events.of_tenant(admin.tenant, 3),
        key=lambda e: e["data"]["version"],
    )

    assert created.status_code == 201, created.text
    assert team["member_ids"] == ["bob"]
    assert team["version"] == 1
    assert changed.json()["member_ids"] == ["bob", "rita"]
    assert changed.json()["version"] == 2
    assert deleted.status_code == 204
    assert [e["type"].rsplit(".", 3)[-3:] for e in events] == [
        ["team", "changed", "v1"],
        ["team", "changed", "v1"],
        ["team", "deleted", "v1"],
    ]
    assert events[1]["data"]["member_ids"] == ["bob", "rita"]
    assert events[1]["data"]["name"] == "Plumbing"
    assert (await admin.get(f"/v1/teams/{team['id']}")).status_code == 404


async def test_members_are_added_and_removed_one_by_one(admin: Caller) -> None:
    team = (await admin.post("/v1/teams", {"name": "Night shift"})).json()

    added = await admin.request("PUT", f"/v1/teams/{team['id']}/members/rita")
    again = await admin.request("PUT", f"/v1/teams/{team['id']}/members/rita")
    removed = await admin.request("DELETE", f"/v1/teams/{team['id']}/members/rita")

    assert added.json()["member_ids"] == ["rita"]
    assert again.json()["member_ids"] == ["rita"]
    assert removed.json()["member_ids"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "member_ids": ["nobody"]}, "member_ids"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
    ],
)
async def test_bad_teams_are_refused_naming_the_field(
    admin: Caller, body: dict[str, Any], field: str
) -> None:
    answer = await admin.post("/v1/teams", body)

    assert answer.status_code == 422
    assert field in [e["field"] for e in answer.json()["errors"]]


async def test_team_names_are_unique_ignoring_case_until_deleted(admin: Caller) -> None:
    first = (await admin.post("/v1/teams", {"name": "Billing"})).json()

    clash = await admin.post("/v1/teams", {"name": "billing"})
    await admin.request("DELETE", f"/v1/teams/{first['id']}")
    reused = await admin.post("/v1/teams", {"name": "BILLING"})

    assert clash.status_code == 422
    assert reused.status_code == 201


async def test_managing_teams_needs_settings_groups(
    desk: Caller, admin: Caller
) -> None:
    team = (await admin.post("/v1/teams", {"name": "Ops"})).json()
    worker = desk.as_user("bob", permissions=["support:request:update:all"])

    created = await worker.post("/v1/teams", {"name": "Mine"})
    changed = await worker.patch(f"/v1/teams/{team['id']}", {"name": "Mine"})
    deleted = await worker.request("DELETE", f"/v1/teams/{team['id']}")
    listed = await worker.get("/v1/teams")

    assert [a.status_code for a in (created, changed, deleted)] == [403, 403, 403]
    assert created.json()["permission"] == "support:settings:groups"
    assert [t["name"] for t in listed.json()] == ["Ops"]


async def test_teams_of_another_tenant_are_invisible(
    admin: Caller, service: httpx.AsyncClient
) -> None:
    team = (await admin.post("/v1/teams", {"name": "Ours"})).json()
    other = (await new_tenant(service)).as_user("alice", permissions=GROUPS)

    assert (await other.get(f"/v1/teams/{team['id']}")).status_code == 404
    assert (await other.get("/v1/teams")).json() == []


async def test_a_team_working_unresolved_tickets_is_not_deleted(
    admin: Caller,
) -> None:
    team = (await admin.post("/v1/teams", {"name": "Roofers"})).json()
    assignee = {"kind": "team", "id": team["id"]}
    working = await admin.ticket(assignee=assignee)
    done = await admin.ticket(assignee=assignee, status="pending")
    await admin.patch(f"/v1/tickets/{done['id']}", {"status": "resolved"})

    refused = await admin.request("DELETE", f"/v1/teams/{team['id']}")
    await admin.request(
        "DELETE", f"/v1/tickets/{working['id']}/assignees/team/{team['id']}"
    )
    deleted = await admin.request("DELETE", f"/v1/teams/{team['id']}")
    history = await admin.get(f"/v1/tickets/{done['id']}")

    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("in-use")
    assert working["reference"] in refused.json()["detail"]
    assert done["reference"] not in refused.json()["detail"]
    assert deleted.status_code == 204, deleted.text
    assert history.json()["primary_assignee"] == assignee
