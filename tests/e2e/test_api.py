"""A newcomer's first hour, over HTTP against the real processes."""

import re
import uuid

import httpx

from tests.conftest import unique
from tests.e2e.conftest import Api, Desk

STATUSES = ["in_progress", "pending", "resolved", "closed", "open"]


def test_demo_then_tickets_through_all_five_statuses(desk: Desk) -> None:
    output = desk.cli("demo")
    operator_token = output.split("operator olivia (every support permission):\n")[
        1
    ].split()[0]
    olivia = Api(desk.gateway, operator_token)
    topics = olivia.get("/v1/topics").json()
    facilities = next(t for t in topics if t["name"] == "Facilities")

    created = olivia.post(
        "/v1/tickets",
        json={
            "subject": "No hot water",
            "description": "Flat 4 since Monday",
            "topic_id": facilities["id"],
            "sub_topic_id": facilities["sub_topics"][0]["id"],
            "priority": "high",
            "requester_id": "rita",
        },
    )
    assert created.status_code == 201, created.text
    ticket = created.json()
    assert re.fullmatch(r"SR-\d{4}-\d{4,}", ticket["reference"])
    for status in STATUSES:
        moved = olivia.patch(
            f"/v1/tickets/{ticket['id']}",
            json={"status": status},
            headers={
                "if-match": olivia.get(f"/v1/tickets/{ticket['id']}").headers["etag"]
            },
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["status"] == status
    listed = olivia.get("/v1/tickets", params={"status": "open"}).json()
    assert ticket["id"] in [t["id"] for t in listed["items"]]


def test_bad_input_gets_a_problem_naming_the_field(alice: Api) -> None:
    other = alice.post("/v1/topics", json={"name": "Other"}).json()
    topic = alice.post("/v1/topics", json={"name": "Mine"}).json()
    sub = alice.post(f"/v1/topics/{other['id']}/sub-topics", json={"name": "S"}).json()
    ticket = alice.post("/v1/tickets", json={"subject": "s", "description": "d"}).json()
    cases = [
        ("POST", "/v1/tickets", {"description": "d"}, "subject"),
        (
            "POST",
            "/v1/tickets",
            {"subject": "s", "description": "d", "topic_id": str(uuid.uuid4())},
            "topic_id",
        ),
        (
            "POST",
            "/v1/tickets",
            {
                "subject": "s",
                "description": "d",
                "topic_id": topic["id"],
                "sub_topic_id": sub["id"],
            },
            "sub_topic_id",
        ),
        ("POST", "/v1/topics", {"name": "n" * 101}, "name"),
    ]
    before = alice.get("/v1/tickets").json()["total"]

    for method, path, body, field in cases:
        answer = alice.request(method, path, json=body)
        assert answer.status_code == 422, (field, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in answer.json()["errors"]] == [field]
    malformed = alice.post(
        "/v1/tickets",
        content=b'{"subject": ',
        headers={"content-type": "application/json"},
    )
    stale = alice.patch(
        f"/v1/tickets/{ticket['id']}",
        json={"subject": "x"},
        headers={"if-match": '"99"'},
    )

    assert malformed.status_code == 400
    assert stale.status_code == 412
    assert alice.get("/v1/tickets").json()["total"] == before


def test_a_tenant_without_support_gets_403_everywhere(desk: Desk) -> None:
    portal = Api(desk.gateway, desk.token("portal", "portal", "portal:tenants:write"))
    name = unique("nosupport")
    made = portal.put(
        f"/v1/admin/tenants/{name}", json={"name": name, "modules": ["crm"]}
    )
    assert made.status_code in (200, 201), made.text
    user = Api(desk.gateway, desk.token(name, "u", "support:request:update:all"))

    answers = [
        user.get("/v1/tickets"),
        user.get("/v1/topics"),
        user.post("/v1/tickets", json={}),
    ]

    assert {a.status_code for a in answers} == {403}
    assert all(a.json()["type"].endswith("module-not-enabled") for a in answers)


def test_tenants_are_isolated_and_scopes_hold(
    desk: Desk, alice: Api, tenant: str
) -> None:
    ticket = alice.post("/v1/tickets", json={"subject": "s", "description": "d"}).json()
    other_tenant = unique("e2e")
    desk.cli("token", "--tenant", other_tenant, "--user", "mallory")
    mallory = Api(
        desk.gateway, desk.token(other_tenant, "mallory", "support:request:update:all")
    )
    desk.cli("token", "--tenant", tenant, "--user", "bob")
    bob = Api(desk.gateway, desk.token(tenant, "bob", "support:request:update:own"))

    assert mallory.get(f"/v1/tickets/{ticket['id']}").status_code == 404
    assert (
        mallory.patch(f"/v1/tickets/{ticket['id']}", json={"subject": "x"}).status_code
        == 404
    )
    assert (
        bob.patch(f"/v1/tickets/{ticket['id']}", json={"subject": "x"}).status_code
        == 403
    )
    assert bob.delete(f"/v1/tickets/{ticket['id']}").status_code == 403


def test_tokens_are_checked(desk: Desk, tenant: str) -> None:
    forged = Api(desk.gateway, "not.a.token")
    wrong_secret = (
        desk.token(tenant, "alice", "support:request:update:all")[:-4] + "AAAA"
    )

    assert forged.get("/v1/tickets").status_code == 401
    assert Api(desk.gateway, wrong_secret).get("/v1/tickets").status_code == 401
    assert httpx.get(desk.gateway + "/v1/tickets", timeout=10).status_code == 401


def test_openapi_documents_the_api(desk: Desk) -> None:
    spec = httpx.get(desk.gateway + "/openapi.json", timeout=10).json()

    assert "/v1/tickets" in spec["paths"]
    assert "/v1/tickets/{ticket_id}" in spec["paths"]


def test_topics_are_changed_only_with_settings_topics(
    desk: Desk, tenant: str, alice: Api
) -> None:
    topic = alice.post("/v1/topics", json={"name": "Heating"}).json()
    path = f"/v1/topics/{topic['id']}"
    worker = Api(
        desk.gateway,
        desk.token(
            tenant, "bob", "support:request:update:all", "support:settings:groups"
        ),
    )

    refused = {
        "create": worker.post("/v1/topics", json={"name": "Mine"}),
        "rename": worker.patch(path, json={"name": "Mine"}),
        "deactivate": worker.patch(path, json={"active": False}),
        "add sub-topic": worker.post(f"{path}/sub-topics", json={"name": "Boilers"}),
    }
    listed = worker.get("/v1/topics").json()

    assert {k: a.status_code for k, a in refused.items()} == dict.fromkeys(refused, 403)
    assert {a.json()["permission"] for a in refused.values()} == {
        "support:settings:topics"
    }
    assert [(t["name"], t["active"], t["sub_topics"]) for t in listed] == [
        ("Heating", True, [])
    ]
