"""Statuses, stamps, optimistic concurrency and the audit log."""

from tests.service.tickets.conftest import Caller, Listener

FLOW = ["in_progress", "pending", "resolved", "closed", "open"]


async def test_a_ticket_moves_through_all_five_statuses(desk: Caller) -> None:
    ticket = await desk.ticket()
    assert ticket["status"] == "open"
    assert ticket["priority"] == "medium"
    seen = []

    for status in FLOW:
        answer = await desk.patch(f"/v1/tickets/{ticket['id']}", {"status": status})
        assert answer.status_code == 200, answer.text
        seen.append(answer.json())

    resolved, closed, reopened = seen[2], seen[3], seen[4]
    assert resolved["resolved_by"] == "alice"
    assert resolved["resolved_at"]
    assert closed["closed_by"] == "alice"
    assert closed["resolved_at"] == resolved["resolved_at"]
    assert reopened["resolved_at"] is None
    assert reopened["closed_at"] is None
    assert reopened["version"] == ticket["version"] + len(FLOW)


async def test_if_match_with_an_old_version_is_refused_and_changes_nothing(
    desk: Caller,
) -> None:
    ticket = await desk.ticket()
    path = f"/v1/tickets/{ticket['id']}"
    await desk.patch(path, {"priority": "high"}, **{"if-match": '"1"'})

    stale = await desk.patch(path, {"subject": "late"}, **{"if-match": '"1"'})

    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    current = (await desk.get(path)).json()
    assert current["subject"] == "Heating broken"
    assert current["version"] == 2


async def test_etag_is_the_version(desk: Caller) -> None:
    ticket = await desk.ticket()

    answer = await desk.get(f"/v1/tickets/{ticket['id']}")

    assert answer.headers["etag"] == '"1"'


async def test_the_audit_log_tells_the_whole_story(desk: Caller) -> None:
    ticket = await desk.ticket()
    path = f"/v1/tickets/{ticket['id']}"
    await desk.patch(path, {"priority": "urgent"})
    await desk.patch(path, {"status": "resolved"})

    log = (await desk.get(f"{path}/audit")).json()["items"]
    newest = (await desk.get(f"{path}/audit", order="newest")).json()["items"]

    assert [e["action"] for e in log] == ["created", "updated", "updated"]
    assert log[1]["changes"]["priority"] == {"before": "medium", "after": "urgent"}
    assert log[2]["changes"]["status"] == {"before": "open", "after": "resolved"}
    assert all(e["actor"] == {"id": "alice", "kind": "operator"} for e in log)
    assert [e["id"] for e in newest] == [e["id"] for e in reversed(log)]


async def test_an_unchanged_update_changes_no_version(desk: Caller) -> None:
    ticket = await desk.ticket()

    answer = await desk.patch(f"/v1/tickets/{ticket['id']}", {"priority": "medium"})

    assert answer.json()["version"] == 1


async def test_a_deleted_ticket_is_gone_from_views_and_lists(desk: Caller) -> None:
    ticket = await desk.ticket()

    deleted = await desk.request("DELETE", f"/v1/tickets/{ticket['id']}")

    assert deleted.status_code == 204
    assert (await desk.get(f"/v1/tickets/{ticket['id']}")).status_code == 404
    listed = (await desk.get("/v1/tickets")).json()
    assert ticket["id"] not in [t["id"] for t in listed["items"]]


async def test_a_deleted_ticket_is_audited_announced_and_its_log_kept_for_deleters(
    desk: Caller, listener: Listener
) -> None:
    ticket = await desk.ticket()
    path = f"/v1/tickets/{ticket['id']}"
    worker = desk.as_user("bob", permissions=["support:request:update:all"])

    deleted = await desk.request("DELETE", path)
    [created, gone] = await listener.of_tenant(desk.tenant, 2)
    log = (await desk.get(f"{path}/audit")).json()["items"]
    hidden = await worker.get(f"{path}/audit")

    assert deleted.status_code == 204
    assert created["type"].endswith("ticket.created.v1")
    assert gone["type"].endswith("ticket.deleted.v1")
    assert gone["data"]["ticket_id"] == ticket["id"]
    assert [e["action"] for e in log] == ["created", "deleted"]
    assert log[1]["changes"]["deleted_at"]["before"] is None
    assert log[1]["actor"] == {"id": "alice", "kind": "operator"}
    assert hidden.status_code == 404


async def test_the_audit_log_is_paged_both_ways(desk: Caller) -> None:
    ticket = await desk.ticket()
    path = f"/v1/tickets/{ticket['id']}"
    for priority in ("low", "high", "urgent", "medium"):
        await desk.patch(path, {"priority": priority})

    pages: dict[str, list[int]] = {}
    for order in ("oldest", "newest"):
        seen: list[int] = []
        more: dict[str, str] = {}
        while True:
            answer = await desk.get(f"{path}/audit", order=order, limit=2, **more)
            page = answer.json()
            seen += [e["id"] for e in page["items"]]
            if page["next_cursor"] is None:
                break
            more = {"cursor": page["next_cursor"]}
        pages[order] = seen

    assert len(pages["oldest"]) == 5
    assert pages["oldest"] == sorted(pages["oldest"])
    assert pages["newest"] == list(reversed(pages["oldest"]))
