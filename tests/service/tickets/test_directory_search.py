"""Type-to-search over the directory: prefixes first, then close words; only
active entries are offered, and only they may be newly linked or assigned."""

from typing import Any

from tests.service.tickets.conftest import Caller

NAMES = ["Johnson Plumbing", "John Smith", "Jane Smyth", "Smithers Ltd", "Bob Jones"]


async def names(desk: Caller, q: str) -> list[str]:
    answer = await desk.get("/v1/directory/customers", q=q)
    assert answer.status_code == 200, answer.text
    return [e["name"] for e in answer.json()]


async def test_prefixes_come_first_then_fuzzy_matches(desk: Caller) -> None:
    entries = [{"id": f"c{n}", "name": name} for n, name in enumerate(NAMES)]
    await desk.request(
        "PUT", "/v1/admin/directory/customers", json={"entries": entries}
    )

    assert await names(desk, "jo") == ["John Smith", "Johnson Plumbing"]
    assert (await names(desk, "smith"))[:2] == ["Smithers Ltd", "John Smith"]
    assert "Jane Smyth" in await names(desk, "smyth")
    assert await names(desk, "plumbng") == ["Johnson Plumbing"]
    assert await names(desk, "50%") == []
    assert await names(desk, "") == sorted(NAMES)


async def test_a_page_full_of_prefixes_is_read_in_order_without_fuzzy_matches(
    desk: Caller,
) -> None:
    entries = [{"id": f"d{n}", "name": f"Delta {n:02d}"} for n in range(30)]
    entries.append({"id": "near", "name": "Deltta Air"})
    await desk.request(
        "PUT", "/v1/admin/directory/customers", json={"entries": entries}
    )

    first = await desk.get("/v1/directory/customers", q="delta", limit=5)
    wider = await desk.get("/v1/directory/customers", q="delta", limit=40)

    assert [e["name"] for e in first.json()] == [f"Delta {n:02d}" for n in range(5)]
    assert [e["name"] for e in wider.json()][-1] == "Deltta Air"


async def _import(desk: Caller, kind: str, *entries: dict[str, Any]) -> None:
    path = f"/v1/admin/directory/{kind}"
    answer = await desk.request("PUT", path, json={"entries": list(entries)})
    assert answer.status_code == 200, answer.text


async def test_inactive_entries_are_not_offered(desk: Caller) -> None:
    await _import(
        desk,
        "customers",
        {"id": "live", "name": "Harbour Lofts"},
        {"id": "gone", "name": "Harbour Lights", "active": False},
        {"id": "gone-too", "name": "Harbor Lites", "active": False},
    )

    assert await names(desk, "harbour") == ["Harbour Lofts"]
    assert await names(desk, "harbor") == ["Harbour Lofts"]


async def test_inactive_entries_are_refused_as_new_links_and_assignees(
    desk: Caller,
) -> None:
    await _import(desk, "customers", {"id": "c-gone", "name": "Gone Ltd"})
    await _import(desk, "users", {"id": "quit", "name": "Quentin"})
    linked = await desk.ticket(
        customer_id="c-gone", assignee={"kind": "user", "id": "quit"}
    )
    await _import(desk, "customers", {"id": "c-gone", "name": "Gone", "active": False})
    await _import(desk, "users", {"id": "quit", "name": "Quentin", "active": False})
    path = f"/v1/tickets/{linked['id']}"
    quit_ = {"kind": "user", "id": "quit"}

    refused = {
        "customer_id": await desk.post(
            "/v1/tickets", {"subject": "s", "description": "d", "customer_id": "c-gone"}
        ),
        "assignee": await desk.post(
            "/v1/tickets", {"subject": "s", "description": "d", "assignee": quit_}
        ),
    }
    fresh = await desk.ticket()
    added = await desk.post(f"/v1/tickets/{fresh['id']}/assignees", quit_)
    kept = await desk.patch(path, {"priority": "high"})

    for field, answer in refused.items():
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == field
        assert "inactive" in answer.json()["errors"][0]["detail"]
    assert added.status_code == 422
    assert added.json()["errors"][0]["field"] == "assignee"
    assert kept.status_code == 200, kept.text
    assert kept.json()["customer_id"] == "c-gone"
    assert kept.json()["primary_assignee"] == quit_
