"""Working tickets through the gateway: teams, assignees, tags, links, triage."""

from typing import Any

import pytest

from tests.e2e.conftest import Api, Desk

ALL = "support:request:update:all"
ASSIGNED = "support:request:update:assigned"
OWN = "support:request:update:own"
GROUPS = "support:settings:groups"
DELETE = "support:request:delete:all"


def _import(desk: Desk, tenant: str, kind: str, *entries: tuple[str, str]) -> None:
    portal = Api(desk.gateway, desk.token(tenant, "portal", "portal:directory:write"))
    body = {"entries": [{"id": i, "name": n} for i, n in entries]}
    answer = portal.put(f"/v1/admin/directory/{kind}", json=body)
    assert answer.status_code == 200, answer.text


@pytest.fixture
def staff(desk: Desk, tenant: str) -> dict[str, Api]:
    """Operators of a fresh tenant: an admin, a team member, an outsider."""
    _import(desk, tenant, "users", ("olivia", "Olivia"), ("bob", "Bob"), ("eve", "Eve"))
    _import(desk, tenant, "customers", ("c1", "Acme Plumbing"), ("c2", "Zenith Ltd"))
    return {
        "olivia": Api(desk.gateway, desk.token(tenant, "olivia", ALL, GROUPS, DELETE)),
        "bob": Api(desk.gateway, desk.token(tenant, "bob", ASSIGNED)),
        "eve": Api(desk.gateway, desk.token(tenant, "eve", ASSIGNED)),
        "nobody": Api(desk.gateway, desk.token(tenant, "nobody")),
    }


def _subjects(api: Api, **params: Any) -> list[str]:
    answer = api.get("/v1/tickets", params=params)
    assert answer.status_code == 200, answer.text
    return [t["subject"] for t in answer.json()["items"]]


def test_a_team_and_a_user_work_a_ticket_and_the_primary_moves(
    staff: dict[str, Api],
) -> None:
    olivia, bob = staff["olivia"], staff["bob"]
    team = olivia.post("/v1/teams", json={"name": "Plumbers", "member_ids": ["bob"]})
    assert team.status_code == 201, team.text
    team_ref = {"kind": "team", "id": team.json()["id"]}
    ticket = olivia.post(
        "/v1/tickets",
        json={"subject": "Burst pipe", "description": "Kitchen", "assignee": team_ref},
    ).json()
    path = f"/v1/tickets/{ticket['id']}"

    added = olivia.post(f"{path}/assignees", json={"kind": "user", "id": "olivia"})
    switched = olivia.put(
        f"{path}/assignees/primary", json={"kind": "user", "id": "olivia"}
    )
    mine = _subjects(bob, assigned_to_me="true")
    tagged = bob.post(f"{path}/tags", json={"tag": "Water "})
    bob.post(f"{path}/tags", json={"tag": "Roof/Gutter"})
    untagged = bob.delete(f"{path}/tags/roof%2Fgutter")
    linked = bob.patch(path, json={"customer_id": "c1"})
    cleared = bob.patch(path, json={"customer_id": None, "map_pin": None})

    assert added.status_code == 200, added.text
    assert switched.json()["primary_assignee"] == {"kind": "user", "id": "olivia"}
    assert switched.json()["additional_assignees"] == [team_ref]
    assert mine == ["Burst pipe"]
    assert tagged.json()["tags"] == ["water"]
    assert untagged.json()["tags"] == ["water"]
    assert linked.json()["customer_id"] == "c1"
    assert cleared.json()["customer_id"] is None
    assert _subjects(olivia, tag="WATER", q="burst") == ["Burst pipe"]


def test_directory_type_to_search_is_fuzzy(staff: dict[str, Api]) -> None:
    found = staff["olivia"].get("/v1/directory/customers", params={"q": "plumbng"})

    assert [e["id"] for e in found.json()] == ["c1"]


def test_each_permission_denies_what_it_should(staff: dict[str, Api]) -> None:
    olivia, bob, eve, nobody = (staff[n] for n in ("olivia", "bob", "eve", "nobody"))
    team = olivia.post("/v1/teams", json={"name": "Roofers", "member_ids": ["bob"]})
    team_id = team.json()["id"]
    ticket = olivia.post(
        "/v1/tickets",
        json={
            "subject": "Leaking roof",
            "description": "Attic",
            "assignee": {"kind": "team", "id": team_id},
        },
    ).json()
    path = f"/v1/tickets/{ticket['id']}"
    refused = {
        # support:settings:groups manages teams
        "create team": bob.post("/v1/teams", json={"name": "Mine"}),
        "rename team": bob.patch(f"/v1/teams/{team_id}", json={"name": "Mine"}),
        "add member": bob.put(f"/v1/teams/{team_id}/members/eve"),
        "remove member": bob.delete(f"/v1/teams/{team_id}/members/bob"),
        "delete team": bob.delete(f"/v1/teams/{team_id}"),
        # support:request:update:assigned covers only tickets of one's own teams
        "outsider tags": eve.post(f"{path}/tags", json={"tag": "x"}),
        "outsider assigns": eve.post(
            f"{path}/assignees", json={"kind": "user", "id": "eve"}
        ),
        "outsider links": eve.patch(path, json={"customer_id": "c2"}),
        # without any support:request:update scope, no ticket work at all
        "no scope lists": nobody.get("/v1/tickets"),
        "no scope tags": nobody.post(f"{path}/tags", json={"tag": "x"}),
        # support:request:delete:all deletes
        "assignee deletes": bob.delete(path),
    }
    allowed = bob.post(f"{path}/tags", json={"tag": "roof"})
    deleted = olivia.delete(path)

    assert {k: a.status_code for k, a in refused.items()} == dict.fromkeys(refused, 403)
    assert refused["create team"].json()["permission"] == GROUPS
    assert refused["assignee deletes"].json()["permission"] == DELETE
    assert allowed.status_code == 200, allowed.text
    assert deleted.status_code == 204
    assert olivia.get(path).status_code == 404
    assert _subjects(olivia, q="leaking") == []


def test_requesters_see_their_own_tickets_and_no_teams(
    desk: Desk, tenant: str, staff: dict[str, Api]
) -> None:
    rita = Api(desk.gateway, desk.token(tenant, "rita", OWN, kind="requester"))
    rita.post("/v1/tickets", json={"subject": "Rita's door", "description": "Stuck"})
    staff["olivia"].post(
        "/v1/tickets", json={"subject": "Staff door", "description": "x"}
    )

    assert _subjects(rita, q="door") == ["Rita's door"]
    assert rita.get("/v1/teams").status_code == 403


def test_delete_all_alone_reads_a_ticket_and_its_history_once_deleted(
    desk: Desk, tenant: str, staff: dict[str, Api]
) -> None:
    cleaner = Api(desk.gateway, desk.token(tenant, "carl", DELETE))
    ticket = (
        staff["olivia"]
        .post("/v1/tickets", json={"subject": "Duplicate", "description": "Twice"})
        .json()
    )
    path = f"/v1/tickets/{ticket['id']}"

    read = cleaner.get(path)
    listed = cleaner.get("/v1/tickets")
    deleted = cleaner.delete(path)
    history = cleaner.get(f"{path}/audit")

    assert read.status_code == 200, read.text
    assert ticket["id"] in [t["id"] for t in listed.json()["items"]]
    assert deleted.status_code == 204, deleted.text
    assert history.status_code == 200, history.text
    assert [e["action"] for e in history.json()["items"]][-1] == "deleted"
    assert cleaner.get(path).status_code == 404
    assert cleaner.post(f"{path}/tags", json={"tag": "x"}).status_code == 403
