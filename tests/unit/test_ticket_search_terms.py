"""How the Requests list's free text becomes a full-text query."""

import pytest
from desk_tickets.adapters.ticket_queries import prefix_query, text_matches
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import ColumnElement


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("boil", "boil:*"),
        ("Water leak", "water & leak:*"),
        ("water* leak", "water:* & leak:*"),
        ("  radiator,  cold  ", "radiator & cold:*"),
        ("straße kühl", "straße & kühl:*"),
        (
            "one two three four five six seven eight nine",
            "one & two & three & four & five & six & seven & eight:*",
        ),
        ("!!!", None),
    ],
)
def test_whole_words_but_the_last_and_starred_ones(
    text: str, query: str | None
) -> None:
    assert prefix_query(text) == query


def test_one_token_is_also_looked_for_inside_the_reference_and_subject() -> None:
    conditions = text_matches("t1", "6-0042")

    own = _sql(conditions[0])
    assert "ILIKE" in own
    assert "%6-0042%" in own


def test_several_words_are_found_by_their_words_alone() -> None:
    conditions = text_matches("t1", "water leak")

    own = _sql(conditions[0])
    assert "ILIKE" not in own
    assert len(conditions) == 2  # the ticket's own document, and its comments


def test_a_whole_reference_is_looked_up_alone() -> None:
    (condition,) = text_matches("t1", " sr-2026-0042 ")

    assert _sql(condition) == "tickets.reference = 'SR-2026-0042'"


def _sql(condition: ColumnElement[bool]) -> str:
    return str(
        condition.compile(
            dialect=postgresql.dialect(),  # type: ignore[no-untyped-call]  # untyped in SA
            compile_kwargs={"literal_binds": True},
        )
    )
