"""Comments: replies and internal notes, mentions, deletion, audit and events."""

import uuid
from typing import Any

from desk_infra.db import create_engine
from desk_infra.outbox import Outbox
from desk_tickets.adapters import tables
from desk_tickets.config import TicketsSettings
from desk_tickets.domain.access import Actor
from desk_tickets.service_layer.comments import add_comment
from desk_tickets.service_layer.unit_of_work import UnitOfWork
from helpdesk_contracts.vocabulary import ActorKind

from tests.service.tickets.conftest import Caller
from tests.service.tickets.conversation import (
    STAFF,
    conversation_events,
    outsider,
    requester,
    staff,
)


async def _rita_ticket(desk: Caller) -> dict[str, Any]:
    return await staff(desk).ticket(requester_id="rita")


async def _comment(
    who: Caller, ticket: dict[str, Any], body: str, internal: bool = False
) -> dict[str, Any]:
    answer = await who.post(
        f"/v1/tickets/{ticket['id']}/comments", {"body": body, "internal": internal}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def _listed(who: Caller, ticket: dict[str, Any]) -> dict[str, Any]:
    answer = await who.get(f"/v1/tickets/{ticket['id']}/comments")
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def test_internal_notes_are_hidden_from_requesters_and_outsiders(
    desk: Caller,
) -> None:
    ticket = await _rita_ticket(desk)
    reply = await _comment(staff(desk), ticket, "We are on it")
    note = await _comment(staff(desk), ticket, "Radiator is out of stock", True)

    for who in (requester(desk), requester(desk, ["support:internal"]), outsider(desk)):
        page = await _listed(who, ticket)
        assert [c["id"] for c in page["items"]] == [reply["id"]]
        assert page["total"] == 1
        answer = await who.get(f"/v1/tickets/{ticket['id']}/comments/{note['id']}")
        assert answer.status_code == 404

    page = await _listed(staff(desk), ticket)
    assert [c["id"] for c in page["items"]] == [reply["id"], note["id"]]
    assert page["total"] == 2
    assert note["internal"] is True
    assert reply["internal"] is False


async def test_internal_notes_need_support_internal(desk: Caller) -> None:
    ticket = await _rita_ticket(desk)
    body = {"body": "psst", "internal": True}
    path = f"/v1/tickets/{ticket['id']}/comments"

    for who in (outsider(desk), requester(desk, ["support:internal"])):
        answer = await who.post(path, body)
        assert answer.status_code == 403, answer.text
        assert answer.json()["permission"] == "support:internal"

    assert (await _listed(staff(desk), ticket))["total"] == 0


async def test_the_requester_replies_on_their_own_ticket_only(desk: Caller) -> None:
    own = await _rita_ticket(desk)
    other = await staff(desk).ticket(requester_id="bob")

    reply = await _comment(requester(desk), own, "Still cold here")
    answer = await requester(desk).post(
        f"/v1/tickets/{other['id']}/comments", {"body": "hello"}
    )

    assert reply["author"] == {"id": "rita", "kind": "requester"}
    assert answer.status_code == 404


async def test_posting_needs_support_comment_create(desk: Caller) -> None:
    ticket = await _rita_ticket(desk)
    without = desk.as_user("bob", permissions=["support:request:update:all"])
    mute = desk.as_user("rita", kind="requester", permissions=[])

    for who in (without, mute):
        answer = await who.post(
            f"/v1/tickets/{ticket['id']}/comments", {"body": "hello"}
        )
        assert answer.status_code == 403, answer.text
        assert answer.json()["permission"] == "support:comment:create"


async def test_operators_without_a_ticket_scope_do_not_see_the_thread(
    desk: Caller,
) -> None:
    ticket = await _rita_ticket(desk)
    await _comment(staff(desk), ticket, "hello")
    stranger = desk.as_user("bob", permissions=["support:comment:create"])

    listed = await stranger.get(f"/v1/tickets/{ticket['id']}/comments")
    posted = await stranger.post(f"/v1/tickets/{ticket['id']}/comments", {"body": "x"})

    assert listed.status_code == 404
    assert posted.status_code == 404


async def test_mentions_resolve_to_users_of_the_tenant(desk: Caller) -> None:
    ticket = await _rita_ticket(desk)
    body = (
        'Ping @bob and @"Rita", not @ghost nor bob@example.com; @bob again, and @alice.'
    )

    async with conversation_events(desk.tenant) as events:
        comment = await _comment(staff(desk), ticket, body)
        [event] = await events.take(1)

    assert comment["mentions"] == ["bob", "rita", "alice"]
    assert event["type"] == "com.supportdesk.ticket.comment_added.v1"
    assert event["data"]["mentions"] == ["bob", "rita", "alice"]
    assert event["data"]["comment_id"] == comment["id"]
    assert event["data"]["internal"] is False
    assert event["data"]["requester_id"] == "rita"


async def test_an_internal_note_is_announced_as_internal(desk: Caller) -> None:
    ticket = await _rita_ticket(desk)

    async with conversation_events(desk.tenant) as events:
        note = await _comment(staff(desk), ticket, "@bob can you check?", True)
        [event] = await events.take(1)

    assert event["data"]["comment_id"] == note["id"]
    assert event["data"]["internal"] is True
    assert event["data"]["mentions"] == ["bob"]


async def test_an_internal_note_mentions_no_requester(desk: Caller) -> None:
    ticket = await _rita_ticket(desk)
    entry = {"id": "ron", "name": "Ron", "attributes": {"role": "requester"}}
    imported = await desk.request(
        "PUT", "/v1/admin/directory/users", json={"entries": [entry]}
    )
    assert imported.status_code == 200, imported.text

    note = await _comment(staff(desk), ticket, "@rita @ron @bob: see the meter", True)
    reply = await _comment(staff(desk), ticket, "@rita @ron thanks")

    assert note["mentions"] == ["bob"]
    assert reply["mentions"] == ["rita", "ron"]


async def test_authors_delete_their_own_comments(desk: Caller) -> None:
    ticket = await _rita_ticket(desk)
    path = f"/v1/tickets/{ticket['id']}/comments"

    async with conversation_events(desk.tenant) as events:
        mine = await _comment(requester(desk), ticket, "Never mind")
        theirs = await _comment(staff(desk), ticket, "Noted")
        refused = await requester(desk).request("DELETE", f"{path}/{theirs['id']}")
        done = await requester(desk).request("DELETE", f"{path}/{mine['id']}")
        [event] = [e for e in await events.take(3) if "deleted" in e["type"]]

    assert refused.status_code == 403
    assert refused.json()["permission"] == "support:comment:delete:own"
    assert done.status_code == 204
    assert [c["id"] for c in (await _listed(staff(desk), ticket))["items"]] == [
        theirs["id"]
    ]
    assert event["type"] == "com.supportdesk.ticket.comment_deleted.v1"
    assert event["data"]["comment_id"] == mine["id"]


async def test_deleting_needs_support_comment_delete_own(desk: Caller) -> None:
    ticket = await _rita_ticket(desk)
    comment = await _comment(staff(desk), ticket, "Oops")
    keeper = desk.as_user(
        "alice", permissions=["support:request:update:all", "support:internal"]
    )

    answer = await keeper.request(
        "DELETE", f"/v1/tickets/{ticket['id']}/comments/{comment['id']}"
    )

    assert answer.status_code == 403
    assert answer.json()["permission"] == "support:comment:delete:own"
    assert (await _listed(staff(desk), ticket))["total"] == 1


async def test_the_audit_log_shows_comments_to_those_who_may_see_them(
    desk: Caller,
) -> None:
    ticket = await _rita_ticket(desk)
    reply = await _comment(staff(desk), ticket, "On our way")
    note = await _comment(staff(desk), ticket, "Bring a ladder", True)
    await staff(desk).request(
        "DELETE", f"/v1/tickets/{ticket['id']}/comments/{note['id']}"
    )
    path = f"/v1/tickets/{ticket['id']}/audit"

    def comments_of(entries: list[dict[str, Any]]) -> list[tuple[str, Any, Any]]:
        return [
            (
                e["action"],
                (e["changes"]["comment"]["before"] or {}).get("body"),
                (e["changes"]["comment"]["after"] or {}).get("body"),
            )
            for e in entries
            if "comment" in e["changes"]
        ]

    seen = (await staff(desk).get(path)).json()["items"]
    hidden = [
        (await w.get(path)).json()["items"] for w in (requester(desk), outsider(desk))
    ]

    assert comments_of(seen) == [
        ("comment_added", None, "On our way"),
        ("comment_added", None, "Bring a ladder"),
        ("comment_deleted", "Bring a ladder", None),
    ]
    assert all(e["actor"] == {"id": "alice", "kind": "operator"} for e in seen[1:])
    for entries in hidden:
        assert comments_of(entries) == [("comment_added", None, "On our way")]
    assert reply["body"] == "On our way"


async def test_the_audit_log_counts_the_entries_each_caller_may_see(
    desk: Caller,
) -> None:
    ticket = await _rita_ticket(desk)
    await _comment(staff(desk), ticket, "On our way")
    await _comment(staff(desk), ticket, "Bring a ladder", True)
    path = f"/v1/tickets/{ticket['id']}/audit"

    first = (await staff(desk).get(path, limit=2)).json()
    rest = (await staff(desk).get(path, limit=2, cursor=first["next_cursor"])).json()
    hidden = (await requester(desk).get(path, limit=1)).json()

    assert first["total"] == 3
    assert len(first["items"]) + len(rest["items"]) == 3
    assert rest["total"] == 3
    assert hidden["total"] == 2
    assert hidden["next_cursor"] is not None


async def test_an_empty_comment_is_refused_naming_the_field(desk: Caller) -> None:
    ticket = await _rita_ticket(desk)

    answer = await staff(desk).post(
        f"/v1/tickets/{ticket['id']}/comments", {"body": "   "}
    )

    assert answer.status_code == 422
    assert "body" in answer.text


async def test_the_thread_pages_with_a_cursor(desk: Caller) -> None:
    ticket = await _rita_ticket(desk)
    posted = [(await _comment(staff(desk), ticket, f"#{n}"))["id"] for n in range(5)]
    path = f"/v1/tickets/{ticket['id']}/comments"

    first = (await staff(desk).get(path, limit=2)).json()
    second = (await staff(desk).get(path, limit=2, cursor=first["next_cursor"])).json()
    newest = (await staff(desk).get(path, limit=2, order="newest")).json()

    assert [c["id"] for c in first["items"] + second["items"]] == posted[:4]
    assert [c["id"] for c in newest["items"]] == posted[:-3:-1]
    assert first["total"] == 5


async def test_a_comment_id_given_twice_posts_once(
    tickets_settings: TicketsSettings, desk: Caller
) -> None:
    engine = create_engine(tickets_settings, tickets_settings.tickets_database)
    uow = UnitOfWork(engine, Outbox(tables.outbox))
    actor = Actor(desk.tenant, "alice", ActorKind.OPERATOR, frozenset(STAFF))
    ticket = await _rita_ticket(desk)
    ticket_id, comment_id = uuid.UUID(ticket["id"]), uuid.uuid4()

    first = await add_comment(uow, actor, ticket_id, "Hello", comment_id=comment_id)
    again = await add_comment(uow, actor, ticket_id, "Hello", comment_id=comment_id)
    await engine.dispose()

    assert again == first
    assert (await _listed(staff(desk), ticket))["total"] == 1
    audit = (await staff(desk).get(f"/v1/tickets/{ticket['id']}/audit")).json()
    assert [e["action"] for e in audit["items"]].count("comment_added") == 1
