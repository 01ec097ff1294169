"""Tenants are isolated; permission scopes decide who changes what."""

import httpx

from tests.service.tickets.conftest import Caller, new_tenant


async def test_another_tenant_cannot_see_or_change_a_ticket(
    desk: Caller, service: httpx.AsyncClient
) -> None:
    ticket = await desk.ticket()
    other = await new_tenant(service)

    seen = await other.get(f"/v1/tickets/{ticket['id']}")
    changed = await other.patch(f"/v1/tickets/{ticket['id']}", {"subject": "mine"})
    listed = (await other.get("/v1/tickets")).json()

    assert seen.status_code == 404
    assert changed.status_code == 404
    assert listed["items"] == []
    assert listed["total"] == 0


async def test_update_own_cannot_change_someone_elses_ticket(desk: Caller) -> None:
    ticket = await desk.ticket()
    bob = desk.as_user("bob", permissions=["support:request:update:own"])

    answer = await bob.patch(f"/v1/tickets/{ticket['id']}", {"subject": "bob's now"})

    assert answer.status_code == 403
    assert answer.json()["permission"] == "support:request:update:all"


async def test_update_assigned_covers_the_assignee(desk: Caller) -> None:
    ticket = await desk.ticket(assignee={"kind": "user", "id": "bob"})
    bob = desk.as_user("bob", permissions=["support:request:update:assigned"])

    answer = await bob.patch(f"/v1/tickets/{ticket['id']}", {"status": "in_progress"})

    assert answer.status_code == 200


async def test_requesters_see_only_their_own_tickets(desk: Caller) -> None:
    rita = desk.as_user(
        "rita", kind="requester", permissions=["support:request:update:own"]
    )
    mine = await rita.ticket(subject="mine")
    await desk.ticket(subject="staff")

    listed = (await rita.get("/v1/tickets")).json()
    others = (await desk.get("/v1/tickets")).json()

    assert [t["id"] for t in listed["items"]] == [mine["id"]]
    assert listed["total"] == 1
    assert others["total"] == 2


async def test_an_operator_logs_a_ticket_on_a_requesters_behalf(desk: Caller) -> None:
    ticket = await desk.ticket(requester_id="rita")
    rita = desk.as_user("rita", kind="requester", permissions=[])

    seen = await rita.get(f"/v1/tickets/{ticket['id']}")

    assert ticket["created_by"] == {"id": "alice", "kind": "operator"}
    assert ticket["requester_id"] == "rita"
    assert seen.status_code == 200


async def test_a_requester_cannot_raise_for_someone_else(desk: Caller) -> None:
    rita = desk.as_user("rita", kind="requester", permissions=[])

    answer = await rita.post(
        "/v1/tickets", {"subject": "s", "description": "d", "requester_id": "bob"}
    )

    assert answer.status_code == 403


async def test_deleting_needs_delete_all(desk: Caller) -> None:
    ticket = await desk.ticket()
    bob = desk.as_user("bob", permissions=["support:request:update:all"])

    answer = await bob.request("DELETE", f"/v1/tickets/{ticket['id']}")

    assert answer.status_code == 403


async def test_an_unknown_tenant_cannot_open_tickets(
    service: httpx.AsyncClient,
) -> None:
    stranger = Caller(service, "no-such-tenant", "alice")

    answer = await stranger.post("/v1/tickets", {"subject": "s", "description": "d"})

    assert answer.status_code == 404
    assert "tenant" in answer.json()["detail"]


async def test_delete_all_alone_is_enough_to_delete(desk: Caller) -> None:
    ticket = await desk.ticket()
    cleaner = desk.as_user("bob", permissions=["support:request:delete:all"])

    answer = await cleaner.request("DELETE", f"/v1/tickets/{ticket['id']}")

    assert answer.status_code == 204
