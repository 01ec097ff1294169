"""Who may see, log, change and delete a ticket (the guide's "Permissions & access")."""

import pytest
from desk_tickets.domain import access
from desk_tickets.domain.errors import Forbidden
from desk_tickets.domain.model import Assignee, Ticket
from helpdesk_contracts.permissions import Permission
from helpdesk_contracts.vocabulary import ActorKind, AssigneeKind

from tests.unit.builders import make_actor, make_ticket

OWN = Permission.REQUEST_UPDATE_OWN.value
ASSIGNED = Permission.REQUEST_UPDATE_ASSIGNED.value
ALL = Permission.REQUEST_UPDATE_ALL.value
DELETE = Permission.REQUEST_DELETE_ALL.value

ME = "ann"
MY_TEAM = "team-billing"
OTHER_TEAM = "team-hardware"

# Tickets as they relate to the operator ``ann``, member of ``team-billing``.
TICKETS: dict[str, Ticket] = {
    "requested by me": make_ticket(requester_id=ME, created_by_id="olivia"),
    "logged by me for someone": make_ticket(requester_id="rita", created_by_id=ME),
    "assigned to me as primary": make_ticket(
        assignees=(Assignee(AssigneeKind.USER, ME, primary=True),)
    ),
    "assigned to me as additional": make_ticket(
        assignees=(
            Assignee(AssigneeKind.USER, "bob", primary=True),
            Assignee(AssigneeKind.USER, ME),
        )
    ),
    "assigned to my team": make_ticket(
        assignees=(Assignee(AssigneeKind.TEAM, MY_TEAM, primary=True),)
    ),
    "assigned to another team": make_ticket(
        assignees=(Assignee(AssigneeKind.TEAM, OTHER_TEAM, primary=True),)
    ),
    # Kinds matter: a team named like me is not me, a user named like my team is
    # not my team.
    "assigned to a team named like me": make_ticket(
        assignees=(Assignee(AssigneeKind.TEAM, ME, primary=True),)
    ),
    "assigned to a user named like my team": make_ticket(
        assignees=(Assignee(AssigneeKind.USER, MY_TEAM, primary=True),)
    ),
    "someone else's, unassigned": make_ticket(),
}
MINE = {"requested by me", "logged by me for someone"}
ASSIGNED_TO_ME = {
    "assigned to me as primary",
    "assigned to me as additional",
    "assigned to my team",
}

# What each permission string, held alone by an operator, lets them change.
MAY_UPDATE: dict[str, set[str]] = {
    OWN: MINE,
    ASSIGNED: ASSIGNED_TO_ME,
    ALL: set(TICKETS),
    **{
        p.value: set()
        for p in Permission
        if p.value not in {OWN, ASSIGNED, ALL}  # delete:all included: not update
    },
    "": set(),  # no permission at all
}

CASES = [(perm, name) for perm in MAY_UPDATE for name in TICKETS]


def operator(*permissions: str) -> access.Actor:
    return make_actor(
        ME,
        ActorKind.OPERATOR,
        frozenset(p for p in permissions if p),
        frozenset({MY_TEAM}),
    )


def requester(*permissions: str) -> access.Actor:
    return make_actor(ME, ActorKind.REQUESTER, frozenset(permissions))


def test_the_table_names_every_permission_string() -> None:
    assert set(MAY_UPDATE) == {p.value for p in Permission} | {""}


@pytest.mark.parametrize(
    ("permission", "ticket_name"), CASES, ids=[f"{p or 'none'}|{t}" for p, t in CASES]
)
def test_each_permission_allows_exactly_the_updates_it_names(
    permission: str, ticket_name: str
) -> None:
    actor = operator(permission)
    ticket = TICKETS[ticket_name]
    allowed = ticket_name in MAY_UPDATE[permission]

    if allowed:
        access.require_update(actor, ticket)
    else:
        with pytest.raises(Forbidden) as refused:
            access.require_update(actor, ticket)
        assert refused.value.permission == ALL
        assert ticket.reference in str(refused.value)


def test_permissions_add_up() -> None:
    actor = operator(OWN, ASSIGNED)
    allowed = []

    for name, ticket in TICKETS.items():
        try:
            access.require_update(actor, ticket)
        except Forbidden:
            continue
        allowed.append(name)

    assert set(allowed) == MINE | ASSIGNED_TO_ME


def test_a_team_counts_only_when_the_actor_is_in_it() -> None:
    outsider = make_actor(ME, ActorKind.OPERATOR, frozenset({ASSIGNED}))
    ticket = TICKETS["assigned to my team"]

    with pytest.raises(Forbidden):
        access.require_update(outsider, ticket)


# --- viewing ---------------------------------------------------------------------


@pytest.mark.parametrize("permission", [OWN, ASSIGNED, ALL, DELETE])
def test_operators_who_work_or_delete_tickets_see_every_ticket(permission: str) -> None:
    actor = operator(permission)

    seen = {name for name, ticket in TICKETS.items() if access.can_view(actor, ticket)}

    assert seen == set(TICKETS)
    assert access.can_view_any(actor)


@pytest.mark.parametrize(
    "permission",
    sorted({p.value for p in Permission} - {OWN, ASSIGNED, ALL, DELETE} | {""}),
)
def test_operators_without_an_update_scope_see_no_ticket(permission: str) -> None:
    actor = operator(permission)

    seen = {name for name, ticket in TICKETS.items() if access.can_view(actor, ticket)}

    assert seen == set()
    assert not access.can_view_any(actor)


@pytest.mark.parametrize("permissions", [(), (OWN,), (ALL,), (OWN, ASSIGNED, ALL)])
def test_requesters_see_only_what_they_raised_whatever_they_hold(
    permissions: tuple[str, ...],
) -> None:
    actor = requester(*permissions)

    seen = {name for name, ticket in TICKETS.items() if access.can_view(actor, ticket)}

    assert seen == MINE
    assert not access.can_view_any(actor)


def test_system_actors_are_judged_by_their_permissions_like_operators() -> None:
    bare = make_actor("desk", ActorKind.SYSTEM)
    entitled = make_actor("desk", ActorKind.SYSTEM, frozenset({ALL}))
    ticket = TICKETS["someone else's, unassigned"]

    assert not access.can_view(bare, ticket)
    assert access.can_view(entitled, ticket)


# --- requesters changing tickets ---------------------------------------------------


def test_requesters_with_update_own_change_what_they_raised() -> None:
    actor = requester(OWN)

    access.require_update(actor, TICKETS["requested by me"])
    access.require_update(actor, TICKETS["logged by me for someone"])
    with pytest.raises(Forbidden):
        access.require_update(actor, TICKETS["someone else's, unassigned"])


def test_requesters_without_update_own_cannot_change_even_their_own() -> None:
    actor = requester()

    with pytest.raises(Forbidden):
        access.require_update(actor, TICKETS["requested by me"])


# --- logging ---------------------------------------------------------------------


@pytest.mark.parametrize("permissions", [(), (DELETE,), (OWN,)])
def test_requesters_may_always_log_a_ticket(permissions: tuple[str, ...]) -> None:
    actor = requester(*permissions)

    access.require_create(actor)


@pytest.mark.parametrize("permission", [OWN, ASSIGNED, ALL])
def test_operators_with_an_update_scope_may_log_tickets(permission: str) -> None:
    access.require_create(operator(permission))


@pytest.mark.parametrize(
    "permission",
    sorted({p.value for p in Permission} - {OWN, ASSIGNED, ALL} | {""}),
)
def test_operators_without_an_update_scope_may_not_log_tickets(
    permission: str,
) -> None:
    actor = operator(permission)

    with pytest.raises(Forbidden) as refused:
        access.require_create(actor)

    assert refused.value.permission == OWN


# --- deleting --------------------------------------------------------------------


def test_delete_all_lets_an_operator_delete() -> None:
    actor = operator(DELETE)

    access.require_delete(actor)


@pytest.mark.parametrize(
    "permission", sorted({p.value for p in Permission} - {DELETE} | {""})
)
def test_no_other_permission_lets_anyone_delete(permission: str) -> None:
    actor = operator(permission)

    with pytest.raises(Forbidden) as refused:
        access.require_delete(actor)

    assert refused.value.permission == DELETE
