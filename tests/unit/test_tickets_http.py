"""The tickets API's pure pieces: reading If-Match, and errors as problem details."""

import pytest
from desk_infra.etags import parse_if_match
from desk_infra.problems import PROBLEM_BASE, Problem
from desk_tickets.domain.errors import (
    Forbidden,
    InvalidField,
    NotFound,
    TicketsError,
    VersionMismatch,
)
from desk_tickets.entrypoints.http import to_problem

# --- If-Match --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "versions"),
    [
        ('"3"', {3}),
        ('W/"3"', {3}),
        ('"42"', {42}),
        (' "7" ', {7}),
        ('"0"', {0}),
        ('"5", "6"', {5, 6}),
        ("*", None),
        (" * ", None),
        (None, None),
    ],
)
def test_if_match_names_versions_or_any(
    header: str | None, versions: set[int] | None
) -> None:
    parsed = parse_if_match(header)

    assert parsed == versions


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        '"abc"',
        '""',
        "",
        'W/""',
        '"-1"',
        '"3.0"',
        '"0x1f"',
        '"3 "',
        '"5", garbage',
        # Latin-1 superscripts: str.isdigit() says yes, int() says no.
        '"\u00b3"',
        '"\u00b9"',
    ],
)
def test_an_if_match_naming_no_version_is_412(header: str) -> None:
    with pytest.raises(Problem) as refused:
        parse_if_match(header)

    assert refused.value.status == 412


# --- errors as problems -----------------------------------------------------------


def test_not_found_is_404() -> None:
    problem = to_problem(NotFound("ticket", "SR-2024-0001"))

    assert problem.status == 404
    assert problem.type == PROBLEM_BASE + "not-found"
    assert "SR-2024-0001" in problem.detail


def test_forbidden_is_403_naming_the_permission() -> None:
    error = Forbidden("no", "support:request:update:all")

    problem = to_problem(error)

    assert problem.status == 403
    assert problem.type == PROBLEM_BASE + "forbidden"
    assert problem.body()["permission"] == "support:request:update:all"


def test_an_invalid_field_is_422_naming_the_field() -> None:
    problem = to_problem(InvalidField("topic_id", "topic x is inactive"))

    body = problem.body()

    assert problem.status == 422
    assert problem.type == PROBLEM_BASE + "validation"
    assert body["errors"] == [
        {"field": "topic_id", "pointer": "#/topic_id", "detail": "topic x is inactive"}
    ]


def test_a_version_mismatch_is_412_with_the_current_version() -> None:
    problem = to_problem(VersionMismatch("ticket", frozenset({3}), current=5))

    assert problem.status == 412
    assert problem.type == PROBLEM_BASE + "version-mismatch"
    assert problem.body()["current_version"] == 5


def test_any_other_tickets_error_is_a_plain_400() -> None:
    problem = to_problem(TicketsError("something odd"))

    assert problem.status == 400
    assert problem.type == "about:blank"
    assert problem.detail == "something odd"
