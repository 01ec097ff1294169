"""Bad input names the field and writes nothing."""

from typing import Any

from tests.service.tickets.conftest import Caller


async def _topic(desk: Caller, **fields: Any) -> dict[str, Any]:
    answer = await desk.post("/v1/topics", {"name": "Facilities", **fields})
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def _sub_topic(desk: Caller, topic_id: str, **fields: Any) -> dict[str, Any]:
    answer = await desk.post(
        f"/v1/topics/{topic_id}/sub-topics", {"name": "Heat", **fields}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def _fields(answer: Any) -> list[str]:
    return [e["field"] for e in answer.json()["errors"]]


async def test_missing_subject_is_named(desk: Caller) -> None:
    answer = await desk.post("/v1/tickets", {"description": "no subject"})

    assert answer.status_code == 422
    assert _fields(answer) == ["subject"]


async def test_unknown_topic_is_refused(desk: Caller) -> None:
    answer = await desk.post(
        "/v1/tickets",
        {
            "subject": "s",
            "description": "d",
            "topic_id": "7d4f5c1e-2d7a-4f54-9a55-000000000000",
        },
    )

    assert answer.status_code == 422
    assert _fields(answer) == ["topic_id"]


async def test_sub_topic_of_another_topic_is_refused(desk: Caller) -> None:
    heating = await _topic(desk)
    it = await _topic(desk, name="IT")
    network = await _sub_topic(desk, it["id"], name="Network")

    answer = await desk.post(
        "/v1/tickets",
        {
            "subject": "s",
            "description": "d",
            "topic_id": heating["id"],
            "sub_topic_id": network["id"],
        },
    )

    assert answer.status_code == 422
    assert _fields(answer) == ["sub_topic_id"]
    assert (await desk.get("/v1/tickets")).json()["total"] == 0


async def test_topic_name_over_100_characters_is_refused(desk: Caller) -> None:
    answer = await desk.post("/v1/topics", {"name": "x" * 101})

    assert answer.status_code == 422
    assert _fields(answer) == ["name"]


async def test_inactive_topics_are_hidden_from_new_tickets_but_kept(
    desk: Caller,
) -> None:
    topic = await _topic(desk, default_sla_id="5b0f8d0e-1111-4f54-9a55-000000000001")
    ticket = await desk.ticket(topic_id=topic["id"])
    await desk.patch(f"/v1/topics/{topic['id']}", {"active": False})

    refused = await desk.post(
        "/v1/tickets", {"subject": "s", "description": "d", "topic_id": topic["id"]}
    )
    kept = await desk.patch(f"/v1/tickets/{ticket['id']}", {"priority": "high"})
    listed = (await desk.get("/v1/topics", active_only=True)).json()

    assert refused.status_code == 422
    assert kept.status_code == 200
    assert kept.json()["topic_id"] == topic["id"]
    assert topic["id"] not in [t["id"] for t in listed]


async def test_topics_list_in_sort_order_with_their_sub_topics(desk: Caller) -> None:
    later = await _topic(desk, name="Zeta", sort_order=20)
    first = await _topic(desk, name="Alpha", sort_order=10)
    await _sub_topic(desk, later["id"], name="B", sort_order=2)
    await _sub_topic(desk, later["id"], name="A", sort_order=1)

    listed = (await desk.get("/v1/topics")).json()

    assert [t["name"] for t in listed] == [first["name"], later["name"]]
    assert [s["name"] for s in listed[1]["sub_topics"]] == ["A", "B"]


async def test_sub_topic_of_a_sub_topic_is_refused(desk: Caller) -> None:
    topic = await _topic(desk)
    sub = await _sub_topic(desk, topic["id"])

    answer = await desk.post(f"/v1/topics/{sub['id']}/sub-topics", {"name": "deeper"})

    assert answer.status_code == 422


async def test_a_map_pin_stands_in_for_a_location_never_beside_one(
    desk: Caller,
) -> None:
    entries = [{"id": "loc-1", "name": "Harbour House"}]
    await desk.request(
        "PUT", "/v1/admin/directory/locations", json={"entries": entries}
    )
    pin = {"latitude": 51.5, "longitude": -0.12}

    both = await desk.post(
        "/v1/tickets",
        {
            "subject": "Leak",
            "description": "Roof",
            "location_id": "loc-1",
            "map_pin": pin,
        },
    )
    pinned = await desk.ticket(map_pin=pin)
    located = await desk.patch(f"/v1/tickets/{pinned['id']}", {"location_id": "loc-1"})
    moved = await desk.patch(
        f"/v1/tickets/{pinned['id']}", {"location_id": "loc-1", "map_pin": None}
    )
    repinned = await desk.patch(f"/v1/tickets/{pinned['id']}", {"map_pin": pin})

    assert both.status_code == 422
    assert _fields(both) == ["map_pin"]
    assert located.status_code == 422
    assert _fields(located) == ["location_id"]
    assert moved.status_code == 200, moved.text
    assert moved.json()["location_id"] == "loc-1"
    assert moved.json()["map_pin"] is None
    assert repinned.status_code == 422
    assert _fields(repinned) == ["map_pin"]
