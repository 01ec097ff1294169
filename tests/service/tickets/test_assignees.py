"""Assignees: one primary and any number of additional ones, users or teams."""

import uuid
from typing import Any

import pytest
from desk_tickets.config import TicketsSettings
from desk_tickets.domain.access import Actor
from desk_tickets.domain.errors import InvalidField
from desk_tickets.entrypoints.main import create_app
from desk_tickets.service_layer import assignees
from desk_tickets.service_layer.ticket_edits import committed
from helpdesk_contracts.api.tickets import AssigneeRef
from helpdesk_contracts.vocabulary import ActorKind, AssigneeKind, Priority

from tests.service.tickets.conftest import Caller, Listener

ASSIGNED = ["support:request:update:assigned"]


async def make_team(desk: Caller, name: str, *members: str) -> str:
    admin = desk.as_user("alice", permissions=["support:settings:groups"])
    answer = await admin.post("/v1/teams", {"name": name, "member_ids": list(members)})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def who(ticket: dict[str, Any]) -> tuple[Any, list[Any]]:
    return ticket["primary_assignee"], ticket["additional_assignees"]


async def test_a_ticket_is_assigned_to_a_team_and_users_and_the_primary_moves(
    desk: Caller,
) -> None:
    team = await make_team(desk, "Plumbers", "bob")
    ticket = await desk.ticket(assignee={"kind": "team", "id": team})
    path = f"/v1/tickets/{ticket['id']}/assignees"

    added = await desk.post(path, {"kind": "user", "id": "rita"})
    promoted = await desk.request(
        "PUT", f"{path}/primary", json={"kind": "user", "id": "rita"}
    )
    removed = await desk.request("DELETE", f"{path}/user/rita")

    team_ref = {"kind": "team", "id": team}
    rita = {"kind": "user", "id": "rita"}
    assert who(ticket) == (team_ref, [])
    assert who(added.json()) == (team_ref, [rita])
    assert who(promoted.json()) == (rita, [team_ref])
    assert who(removed.json()) == (team_ref, [])


async def test_assignees_keep_the_order_they_came_in(desk: Caller) -> None:
    team = await make_team(desk, "Roofers", "rita")
    ticket = await desk.ticket(assignee={"kind": "user", "id": "bob"})
    path = f"/v1/tickets/{ticket['id']}/assignees"
    bob, rita, alice = ({"kind": "user", "id": u} for u in ("bob", "rita", "alice"))
    roofers = {"kind": "team", "id": team}
    for each in (rita, roofers, alice):
        assert (await desk.post(path, each)).status_code == 200

    promoted = await desk.request("PUT", f"{path}/primary", json=alice)
    reread = await desk.get(f"/v1/tickets/{ticket['id']}")
    removed = await desk.request("DELETE", f"{path}/user/alice")

    assert who(promoted.json()) == (alice, [rita, roofers, bob])
    assert who(reread.json()) == who(promoted.json())
    assert who(removed.json()) == (rita, [roofers, bob])


async def test_clearing_the_primary_promotes_the_first_additional_one(
    desk: Caller,
) -> None:
    team = await make_team(desk, "Glaziers", "bob")
    ticket = await desk.ticket(assignee={"kind": "user", "id": "bob"})
    path = f"/v1/tickets/{ticket['id']}"
    rita, glaziers = {"kind": "user", "id": "rita"}, {"kind": "team", "id": team}
    for each in (rita, glaziers):
        assert (await desk.post(f"{path}/assignees", each)).status_code == 200

    cleared = await desk.patch(path, {"assignee": None})
    reread = await desk.get(path)

    assert cleared.status_code == 200, cleared.text
    assert who(cleared.json()) == (rita, [glaziers])
    assert who(reread.json()) == (rita, [glaziers])


async def test_the_first_assignee_added_becomes_primary(desk: Caller) -> None:
    ticket = await desk.ticket()

    added = await desk.post(
        f"/v1/tickets/{ticket['id']}/assignees", {"kind": "user", "id": "bob"}
    )

    assert who(added.json()) == ({"kind": "user", "id": "bob"}, [])


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "user", "id": "nobody"},
        {"kind": "team", "id": "not-a-uuid"},
        {"kind": "team", "id": "00000000-0000-4000-8000-000000000000"},
    ],
)
async def test_unknown_assignees_are_refused_naming_the_field(
    desk: Caller, body: dict[str, str]
) -> None:
    ticket = await desk.ticket()

    added = await desk.post(f"/v1/tickets/{ticket['id']}/assignees", body)
    patched = await desk.patch(f"/v1/tickets/{ticket['id']}", {"assignee": body})

    for answer in (added, patched):
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "assignee"


async def test_update_assigned_covers_every_assignee_and_their_teams(
    desk: Caller,
) -> None:
    team = await make_team(desk, "Electricians", "rita")
    ticket = await desk.ticket(assignee={"kind": "user", "id": "alice"})
    await desk.post(
        f"/v1/tickets/{ticket['id']}/assignees", {"kind": "team", "id": team}
    )
    rita = desk.as_user("rita", permissions=ASSIGNED)
    bob = desk.as_user("bob", permissions=ASSIGNED)

    by_team = await rita.patch(f"/v1/tickets/{ticket['id']}", {"priority": "high"})
    by_outsider = await bob.patch(f"/v1/tickets/{ticket['id']}", {"priority": "low"})
    tagged = await bob.post(f"/v1/tickets/{ticket['id']}/tags", {"tag": "x"})

    assert by_team.status_code == 200, by_team.text
    assert by_outsider.status_code == 403
    assert tagged.status_code == 403


async def test_changes_are_announced_and_audited(
    desk: Caller, listener: Listener
) -> None:
    ticket = await desk.ticket(assignee={"kind": "user", "id": "bob"})
    path = f"/v1/tickets/{ticket['id']}/assignees"

    await desk.post(path, {"kind": "user", "id": "rita"})
    audit = (await desk.get(f"/v1/tickets/{ticket['id']}/audit")).json()["items"]
    events: list[dict[str, Any]] = []
    while len(events) < 2:
        taken = await listener.take(1)
        events += [e for e in taken if e["data"].get("ticket_id") == ticket["id"]]

    changed = next(e for e in events if e["type"].endswith("assignees_changed.v1"))
    assert changed["data"]["primary"] == {"kind": "user", "id": "bob"}
    assert changed["data"]["additional"] == [{"kind": "user", "id": "rita"}]
    assert changed["data"]["previous_additional"] == []
    assert audit[-1]["changes"]["assignees"]["after"][1]["id"] == "rita"


async def test_the_system_reassigns_and_sets_priority_through_the_service_layer(
    desk: Caller, tickets_settings: TicketsSettings
) -> None:
    team = await make_team(desk, "Escalations", "bob")
    ticket = await desk.ticket(assignee={"kind": "user", "id": "rita"})
    ticket_id = uuid.UUID(ticket["id"])
    system = Actor(
        desk.tenant,
        "desk-sla",
        ActorKind.SYSTEM,
        frozenset({"support:request:update:all"}),
    )
    app = create_app(tickets_settings)
    async with app.router.lifespan_context(app):
        uow = app.state.uow_factory

        moved = await committed(
            uow(),
            lambda u: assignees.reassign_primary(
                u, system, ticket_id, AssigneeRef(kind=AssigneeKind.TEAM, id=team)
            ),
        )
        raised = await committed(
            uow(),
            lambda u: assignees.set_priority(u, system, ticket_id, Priority.URGENT),
        )
        with pytest.raises(InvalidField):
            await committed(
                uow(),
                lambda u: assignees.add_assignee(
                    u, system, ticket_id, AssigneeRef(id="nobody")
                ),
            )

    assert moved.primary_assignee is not None
    assert moved.primary_assignee.id == team
    assert moved.additional_assignees == []
    assert raised.priority is Priority.URGENT
    assert raised.version == ticket["version"] + 2
