"""Pure rules of a ticket's assignees and tags."""

import pytest
from desk_tickets.domain import assignment, tags
from desk_tickets.domain.errors import InvalidField
from desk_tickets.domain.model import Assignee
from helpdesk_contracts.vocabulary import AssigneeKind
from hypothesis import given
from hypothesis import strategies as st


def user(name: str, primary: bool = False) -> Assignee:
    return Assignee(AssigneeKind.USER, name, primary)


def team(name: str, primary: bool = False) -> Assignee:
    return Assignee(AssigneeKind.TEAM, name, primary)


CURRENT = (user("ann", primary=True), team("ops"))


def test_make_primary_keeps_the_former_primary_as_additional() -> None:
    assert assignment.make_primary(CURRENT, team("ops")) == (
        team("ops", primary=True),
        user("ann"),
    )


def test_replace_primary_unassigns_the_former_primary() -> None:
    assert assignment.replace_primary(CURRENT, user("bob")) == (
        user("bob", primary=True),
        team("ops"),
    )


def test_add_appends_an_additional_assignee_once() -> None:
    once = assignment.add(CURRENT, user("bob"))

    assert once == (user("ann", primary=True), team("ops"), user("bob"))
    assert assignment.add(once, user("bob")) == once


def test_the_first_assignee_added_is_primary() -> None:
    assert assignment.add((), team("ops")) == (team("ops", primary=True),)


def test_a_user_and_a_team_of_the_same_id_are_different_assignees() -> None:
    both = assignment.add((user("x", primary=True),), team("x"))

    assert both == (user("x", primary=True), team("x"))


def test_removing_the_primary_promotes_the_next_one() -> None:
    assert assignment.remove(CURRENT, user("ann")) == (team("ops", primary=True),)
    assert assignment.remove((user("ann", primary=True),), user("ann")) == ()
    assert assignment.remove(CURRENT, user("nobody")) == CURRENT


people = st.builds(
    Assignee, st.sampled_from(AssigneeKind), st.sampled_from(["a", "b", "c", "d"])
)
operations = st.sampled_from(
    [
        assignment.add,
        assignment.remove,
        assignment.make_primary,
        assignment.replace_primary,
    ]
)


@given(st.lists(st.tuples(operations, people), max_size=12))
def test_any_sequence_keeps_one_primary_first_and_no_duplicates(
    steps: list[tuple[object, Assignee]],
) -> None:
    current: tuple[Assignee, ...] = ()
    for operation, who in steps:
        current = operation(current, who)  # type: ignore[operator]

        keys = [(a.kind, a.id) for a in current]
        assert len(keys) == len(set(keys))
        expected = [True] + [False] * (len(current) - 1) if current else []
        assert [a.primary for a in current] == expected


@pytest.mark.parametrize(
    ("raw", "stored"),
    [(" Leak ", "leak"), ("VIP", "vip"), ("follow   up", "follow up"), ("é", "é")],
)
def test_tags_are_trimmed_collapsed_and_lower_cased(raw: str, stored: str) -> None:
    assert tags.normalise(raw) == stored


@pytest.mark.parametrize("raw", ["", "   ", "x" * 51, "a\x00b"])
def test_bad_tags_are_refused(raw: str) -> None:
    with pytest.raises(InvalidField) as refused:
        tags.normalise(raw)

    assert refused.value.field == "tag"


def test_a_tag_is_added_once_and_at_most_fifty() -> None:
    full = tuple(f"t{n}" for n in range(tags.MAX_TAGS))

    assert tags.with_tag(("a",), "a") == ("a",)
    assert tags.without_tag(("a", "b"), "a") == ("b",)
    assert tags.with_tag(full, "t0") == full
    with pytest.raises(InvalidField):
        tags.with_tag(full, "one-more")
