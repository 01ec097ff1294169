"""Pure helpers of the ticket use cases: list cursors and assignee promotion."""

import base64
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from typing import cast

import pytest
from desk_tickets.domain.errors import InvalidField
from desk_tickets.domain.model import Assignee
from desk_tickets.service_layer.ticket_checks import primary_assignees
from desk_tickets.service_layer.ticket_list import decode_cursor, encode_cursor
from desk_tickets.service_layer.unit_of_work import UnitOfWork
from helpdesk_contracts.api.tickets import AssigneeRef
from helpdesk_contracts.vocabulary import ActorKind, AssigneeKind
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.builders import TENANT, make_actor, make_ticket

# --- cursors ---------------------------------------------------------------------


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_a_cursor_decodes_to_the_ticket_it_was_made_from() -> None:
    created = datetime(2024, 5, 17, 8, 30, 12, 345678, tzinfo=UTC)
    ticket = make_ticket(id=uuid.uuid4(), created_at=created)

    cursor = encode_cursor("after", ticket)

    assert decode_cursor(cursor) == ("after", (created, ticket.id))
    assert "=" not in cursor
    assert set(cursor) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )


OFFSETS = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]


@given(
    created=st.datetimes(timezones=st.sampled_from(OFFSETS)),
    ticket_id=st.uuids(),
)
def test_cursors_round_trip(created: datetime, ticket_id: uuid.UUID) -> None:
    ticket = make_ticket(id=ticket_id, created_at=created)

    way, (decoded_at, decoded_id) = decode_cursor(encode_cursor("before", ticket))

    assert way == "before"
    assert decoded_id == ticket_id
    assert decoded_at == created
    assert decoded_at.utcoffset() == created.utcoffset()


GARBAGE = {
    "plain words": "not-a-cursor",
    "empty": "",
    "one character": "A",
    "outside the alphabet": "!!!!",
    "not ascii": "curs\u00f6r",
    "no separator": b64(b"2024-05-17T08:30:12+00:00"),
    "two separators": b64(b"2024-05-17T08:30:12+00:00|a|b"),
    "no way": b64(f"2024-05-17T08:30:12+00:00|{uuid.uuid4()}".encode()),
    "unknown way": b64(f"x|2024-05-17T08:30:12+00:00|{uuid.uuid4()}".encode()),
    "bad date": b64(f"yesterday|{uuid.uuid4()}".encode()),
    "bad uuid": b64(b"2024-05-17T08:30:12+00:00|not-a-uuid"),
    "not utf-8": b64(b"\xff\xfe|\xfd"),
}


@pytest.mark.parametrize("cursor", GARBAGE.values(), ids=GARBAGE.keys())
def test_a_garbage_cursor_is_an_invalid_cursor_field(cursor: str) -> None:
    with pytest.raises(InvalidField) as refused:
        decode_cursor(cursor)

    assert refused.value.field == "cursor"


@given(cursor=st.text(max_size=200))
def test_any_text_either_decodes_or_is_an_invalid_cursor(cursor: str) -> None:
    outcome: tuple[str, tuple[datetime, uuid.UUID]] | InvalidField
    try:
        outcome = decode_cursor(cursor)
    except InvalidField as refused:
        outcome = refused

    if isinstance(outcome, InvalidField):
        assert outcome.field == "cursor"
    else:
        assert outcome[0] in ("after", "before")
        assert isinstance(outcome[1][0], datetime)
        assert isinstance(outcome[1][1], uuid.UUID)


# --- primary assignees -----------------------------------------------------------


class FakeDirectory:
    """The directory port: which ids exist and are active, recording every
    question asked."""

    def __init__(self, users: Iterable[str] = (), inactive: Iterable[str] = ()) -> None:
        self.users = {u: True for u in users} | {u: False for u in inactive}
        self.asked: list[tuple[str, str, list[str]]] = []

    async def active_of(
        self, tenant_id: str, kind: str, ids: Iterable[str]
    ) -> dict[str, bool]:
        wanted = list(ids)
        self.asked.append((tenant_id, kind, wanted))
        if tenant_id != TENANT or kind != "users":
            return {}
        return {u: self.users[u] for u in wanted if u in self.users}


class NoTeams:
    """The teams port of a tenant that has no teams."""

    async def existing(self, tenant_id: str, ids: Iterable[str]) -> set[str]:
        return set()


class FakeUow:
    """Only what ``primary_assignees`` may touch: the directory and the teams."""

    def __init__(self, directory: FakeDirectory) -> None:
        self.directory = directory
        self.teams = NoTeams()


def uow_with(*users: str) -> tuple[UnitOfWork, FakeDirectory]:
    directory = FakeDirectory(users)
    return cast(UnitOfWork, FakeUow(directory)), directory


def user(user_id: str, *, primary: bool = False) -> Assignee:
    return Assignee(AssigneeKind.USER, user_id, primary=primary)


def team(team_id: str) -> Assignee:
    return Assignee(AssigneeKind.TEAM, team_id)


ACTOR = make_actor("olivia", ActorKind.OPERATOR)
CURRENT = (user("alice", primary=True), user("bob"), team("billing"))


async def test_promoting_an_additional_assignee_keeps_the_old_primary() -> None:
    uow, directory = uow_with()

    result = await primary_assignees(CURRENT, AssigneeRef(id="bob"), uow, ACTOR)

    assert result == [user("bob", primary=True), team("billing"), user("alice")]
    assert directory.asked == []


async def test_a_new_primary_replaces_the_old_one() -> None:
    uow, directory = uow_with("carol")

    result = await primary_assignees(CURRENT, AssigneeRef(id="carol"), uow, ACTOR)

    assert result == [user("carol", primary=True), user("bob"), team("billing")]
    assert directory.asked == [(TENANT, "users", ["carol"])]


async def test_no_primary_promotes_the_longest_assigned_other() -> None:
    uow, directory = uow_with()

    result = await primary_assignees(CURRENT, None, uow, ACTOR)

    assert result == [user("bob", primary=True), team("billing")]
    assert directory.asked == []


async def test_no_primary_on_a_ticket_without_one_changes_nothing() -> None:
    uow, _ = uow_with()
    current = (user("bob"), team("billing"))

    result = await primary_assignees(current, None, uow, ACTOR)

    assert result == list(current)


async def test_naming_the_current_primary_again_changes_nothing() -> None:
    uow, directory = uow_with()

    result = await primary_assignees(CURRENT, AssigneeRef(id="alice"), uow, ACTOR)

    assert result == list(CURRENT)
    assert directory.asked == []


async def test_promoting_when_there_is_no_primary_adds_no_one() -> None:
    uow, _ = uow_with()
    current = (user("bob"), user("dan"))

    result = await primary_assignees(current, AssigneeRef(id="dan"), uow, ACTOR)

    assert result == [user("dan", primary=True), user("bob")]


async def test_a_first_primary_on_an_unassigned_ticket() -> None:
    uow, directory = uow_with("carol")

    result = await primary_assignees((), AssigneeRef(id="carol"), uow, ACTOR)

    assert result == [user("carol", primary=True)]
    assert directory.asked == [(TENANT, "users", ["carol"])]


async def test_a_user_not_in_the_directory_is_refused() -> None:
    uow, _ = uow_with("carol")

    with pytest.raises(InvalidField) as refused:
        await primary_assignees(CURRENT, AssigneeRef(id="mallory"), uow, ACTOR)

    assert refused.value.field == "assignee"
    assert "mallory" in refused.value.reason


async def test_an_inactive_user_is_refused_as_a_new_primary() -> None:
    uow = cast(UnitOfWork, FakeUow(FakeDirectory(inactive=["carol"])))

    with pytest.raises(InvalidField) as refused:
        await primary_assignees(CURRENT, AssigneeRef(id="carol"), uow, ACTOR)

    assert refused.value.field == "assignee"
    assert "inactive" in refused.value.reason


async def test_a_user_named_like_an_assigned_team_is_still_looked_up() -> None:
    uow, directory = uow_with()

    with pytest.raises(InvalidField):
        await primary_assignees(CURRENT, AssigneeRef(id="billing"), uow, ACTOR)

    assert directory.asked == [(TENANT, "users", ["billing"])]


async def test_an_assigned_team_is_made_primary_without_a_lookup() -> None:
    uow, directory = uow_with()
    wanted = AssigneeRef(kind=AssigneeKind.TEAM, id="billing")

    result = await primary_assignees(CURRENT, wanted, uow, ACTOR)

    assert result == [
        Assignee(AssigneeKind.TEAM, "billing", True),
        user("bob"),
        user("alice"),
    ]
    assert directory.asked == []


async def test_a_new_team_must_exist_in_the_tenant() -> None:
    uow, _ = uow_with()
    wanted = AssigneeRef(kind=AssigneeKind.TEAM, id="no-such-team")

    with pytest.raises(InvalidField) as refused:
        await primary_assignees(CURRENT, wanted, uow, ACTOR)

    assert refused.value.field == "assignee"
    assert "no team" in refused.value.reason


async def test_the_result_always_has_at_most_one_primary_and_no_duplicates() -> None:
    uow, _ = uow_with("carol")
    outcomes = []

    for wanted in ("alice", "bob", "carol", None):
        ref = AssigneeRef(id=wanted) if wanted else None
        outcomes.append(await primary_assignees(CURRENT, ref, uow, ACTOR))

    for result in outcomes:
        assert sum(a.primary for a in result) <= 1
        keys = [(a.kind, a.id) for a in result]
        assert len(keys) == len(set(keys))
