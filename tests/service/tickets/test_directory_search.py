"""Type-to-search over the directory: prefixes first, then close words."""

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
