"""The Requests list: filters, free-text search, two-way cursors, totals."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from desk_tickets.adapters.ticket_queries import TicketQueries
from desk_tickets.config import TicketsSettings
from desk_tickets.domain.access import Actor
from desk_tickets.service_layer.ticket_list import TicketFilters, list_conditions
from helpdesk_contracts.vocabulary import ActorKind, TicketStatus
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.service.tickets.conftest import Caller


@pytest.fixture
async def engine(tickets_settings: TicketsSettings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(
        tickets_settings.database_url(tickets_settings.tickets_database)
    )
    yield engine
    await engine.dispose()


async def comment(
    engine: AsyncEngine, ticket: dict[str, Any], tenant: str, body: str, internal: bool
) -> None:
    """A comment row as the comments use case writes it (its API is not ours)."""
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO ticket_comments (id, tenant_id, ticket_id, author_id,"
                " author_kind, body, internal) VALUES (:id, :tenant, :ticket,"
                " 'alice', 'operator', :body, :internal)"
            ),
            {
                "id": uuid.uuid4(),
                "tenant": tenant,
                "ticket": uuid.UUID(ticket["id"]),
                "body": body,
                "internal": internal,
            },
        )


async def subjects(caller: Caller, **params: Any) -> list[str]:
    answer = await caller.get("/v1/tickets", **params)
    assert answer.status_code == 200, answer.text
    return [t["subject"] for t in answer.json()["items"]]


async def test_filters_combine(desk: Caller) -> None:
    topic = (await desk.post("/v1/topics", {"name": "Water"})).json()
    await desk.ticket(subject="a", priority="high", topic_id=topic["id"])
    await desk.ticket(subject="b", priority="high")
    await desk.ticket(subject="c", priority="low", status="pending")
    tagged = await desk.ticket(subject="d")
    await desk.post(f"/v1/tickets/{tagged['id']}/tags", {"tag": " Leak "})
    await desk.post(f"/v1/tickets/{tagged['id']}/tags", {"tag": "VIP"})
    await desk.post(f"/v1/tickets/{tagged['id']}/tags", {"tag": "Roof/Gutter"})
    untagged = await desk.request(
        "DELETE", f"/v1/tickets/{tagged['id']}/tags/roof%2Fgutter"
    )
    sub = await desk.post(f"/v1/topics/{topic['id']}/sub-topics", {"name": "Hot"})
    await desk.ticket(subject="e", topic_id=topic["id"], sub_topic_id=sub.json()["id"])

    assert untagged.json()["tags"] == ["leak", "vip"]
    assert await subjects(desk, sub_topic_id=sub.json()["id"]) == ["e"]
    assert await subjects(desk, priority="high") == ["b", "a"]
    assert await subjects(desk, priority="high", topic_id=topic["id"]) == ["a"]
    assert await subjects(desk, status=["pending", "closed"]) == ["c"]
    assert await subjects(desk, tag="LEAK") == ["d"]
    assert await subjects(desk, tag=["leak", "vip"]) == ["d"]
    assert await subjects(desk, tag=["leak", "other"]) == []
    assert await subjects(desk, sort="created_at") == ["a", "b", "c", "d", "e"]


async def test_assigned_to_me_covers_my_teams_and_unassigned_the_rest(
    desk: Caller,
) -> None:
    admin = desk.as_user("alice", permissions=["support:settings:groups"])
    team = (
        await admin.post("/v1/teams", {"name": "Roof", "member_ids": ["bob"]})
    ).json()
    await desk.ticket(subject="to bob", assignee={"kind": "user", "id": "bob"})
    await desk.ticket(subject="to team", assignee={"kind": "team", "id": team["id"]})
    await desk.ticket(subject="to rita", assignee={"kind": "user", "id": "rita"})
    await desk.ticket(subject="nobody's")
    bob = desk.as_user("bob", permissions=["support:request:update:assigned"])

    assert await subjects(bob, assigned_to_me="true") == ["to team", "to bob"]
    assert await subjects(desk, unassigned="true") == ["nobody's"]


async def test_the_assignee_filters_follow_every_change_of_assignees(
    desk: Caller,
) -> None:
    ticket = await desk.ticket(subject="moving")
    path = f"/v1/tickets/{ticket['id']}/assignees"
    bob = desk.as_user("bob", permissions=["support:request:update:assigned"])

    async def seen() -> tuple[list[str], list[str]]:
        return (
            await subjects(bob, assigned_to_me="true"),
            await subjects(desk, unassigned="true", status="open"),
        )

    at_first = await seen()
    await desk.post(path, {"kind": "user", "id": "rita"})
    to_rita = await seen()
    await desk.post(path, {"kind": "user", "id": "bob"})
    with_bob = await seen()
    await desk.request("PUT", f"{path}/primary", json={"kind": "user", "id": "bob"})
    bob_primary = await seen()
    await desk.request("DELETE", f"{path}/user/bob")
    await desk.request("DELETE", f"{path}/user/rita")
    emptied = await seen()
    await desk.patch(
        f"/v1/tickets/{ticket['id']}", {"assignee": {"kind": "user", "id": "bob"}}
    )
    patched = await seen()

    assert at_first == ([], ["moving"])
    assert to_rita == ([], [])
    assert with_bob == (["moving"], [])
    assert bob_primary == (["moving"], [])
    assert emptied == ([], ["moving"])
    assert patched == (["moving"], [])


async def test_search_finds_words_prefixes_fragments_references_and_public_comments(
    desk: Caller, engine: AsyncEngine
) -> None:
    boiler = await desk.ticket(subject="Boiler pressure low", description="Flat 4")
    await desk.ticket(subject="Window", description="The radiator downstairs rattles")
    talk = await desk.ticket(subject="Noise")
    secret = await desk.ticket(subject="Other")
    await comment(engine, talk, desk.tenant, "the neighbour's parrot again", False)
    await comment(engine, secret, desk.tenant, "parrot-related internal note", True)

    assert await subjects(desk, q="boiler") == ["Boiler pressure low"]
    assert await subjects(desk, q="press") == ["Boiler pressure low"]
    assert await subjects(desk, q="RADIATOR downst") == ["Window"]
    assert await subjects(desk, q="radiat* downstairs") == ["Window"]
    assert await subjects(desk, q="radiat downstairs") == []
    assert await subjects(desk, q="oiler") == ["Boiler pressure low"]
    assert await subjects(desk, q=boiler["reference"]) == ["Boiler pressure low"]
    assert await subjects(desk, q=boiler["reference"][3:]) == ["Boiler pressure low"]
    assert await subjects(desk, q="parrot") == ["Noise"]
    assert await subjects(desk, q="%") == []
    assert await subjects(desk, q="nothing-like-this") == []


async def test_cursors_walk_both_ways_and_totals_count_every_match(
    desk: Caller,
) -> None:
    for n in range(7):
        await desk.ticket(subject=f"t{n}")

    first = (await desk.get("/v1/tickets", limit=3)).json()
    second = (
        await desk.get("/v1/tickets", limit=3, cursor=first["next_cursor"])
    ).json()
    third = (
        await desk.get("/v1/tickets", limit=3, cursor=second["next_cursor"])
    ).json()
    back = (await desk.get("/v1/tickets", limit=3, cursor=third["prev_cursor"])).json()
    start = (await desk.get("/v1/tickets", limit=3, cursor=back["prev_cursor"])).json()

    names = [[t["subject"] for t in p["items"]] for p in (first, second, third)]
    assert names == [["t6", "t5", "t4"], ["t3", "t2", "t1"], ["t0"]]
    assert first["prev_cursor"] is None
    assert third["next_cursor"] is None
    assert [t["subject"] for t in back["items"]] == ["t3", "t2", "t1"]
    assert [t["subject"] for t in start["items"]] == ["t6", "t5", "t4"]
    assert start["prev_cursor"] is None
    assert {p["total"] for p in (first, second, third, back)} == {7}
    assert first["total_exact"] is True


async def test_oldest_first_pages_back_too(desk: Caller) -> None:
    for n in range(5):
        await desk.ticket(subject=f"t{n}")

    first = (await desk.get("/v1/tickets", limit=2, sort="created_at")).json()
    second = (
        await desk.get(
            "/v1/tickets", limit=2, sort="created_at", cursor=first["next_cursor"]
        )
    ).json()
    back = (
        await desk.get(
            "/v1/tickets", limit=2, sort="created_at", cursor=second["prev_cursor"]
        )
    ).json()

    assert [t["subject"] for t in second["items"]] == ["t2", "t3"]
    assert [t["subject"] for t in back["items"]] == ["t0", "t1"]


async def test_requesters_see_their_own_and_deleted_tickets_are_gone(
    desk: Caller,
) -> None:
    rita = desk.as_user("rita", kind="requester", permissions=[])
    await rita.ticket(subject="rita's heater")
    await desk.ticket(subject="staff heater")
    gone = await desk.ticket(subject="deleted heater")
    await desk.request("DELETE", f"/v1/tickets/{gone['id']}")

    listed = (await rita.get("/v1/tickets", q="heater")).json()
    staff = (await desk.get("/v1/tickets", q="heater")).json()

    assert [t["subject"] for t in listed["items"]] == ["rita's heater"]
    assert listed["total"] == 1
    assert [t["subject"] for t in staff["items"]] == ["staff heater", "rita's heater"]
    assert staff["total"] == 2


async def test_a_foreign_cursor_is_refused(desk: Caller) -> None:
    answer = await desk.get("/v1/tickets", cursor="bm90LWEtY3Vyc29y")

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "cursor"


async def test_the_planner_estimates_a_total_with_every_kind_of_filter(
    desk: Caller, engine: AsyncEngine
) -> None:
    await desk.ticket(subject="estimate me")
    actor = Actor(desk.tenant, "alice", ActorKind.OPERATOR)
    filters = TicketFilters(
        statuses=(TicketStatus.OPEN, TicketStatus.PENDING),
        tags=("x",),
        assigned_to_me=True,
        text="estimate",
    )
    where = list_conditions(actor, filters)
    assert where is not None

    async with engine.connect() as conn:
        queries = TicketQueries(conn)
        estimate = await queries.estimate(desk.tenant, where.every, where.any_of)

    assert isinstance(estimate, int)
    assert estimate >= 0
