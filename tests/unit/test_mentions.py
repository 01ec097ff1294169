"""@mentions: what the text names, and which users that is."""

import pytest
from desk_tickets.domain.mentions import (
    MAX_MENTIONS,
    MentionedUser,
    mention_candidates,
    resolve_mentions,
)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("@alice please look", ["alice"]),
        ("thanks @alice.", ["alice"]),
        ("(@alice), @bob; @carol!", ["alice", "bob", "carol"]),
        ('ask @"Rita Hayworth" now', ["Rita Hayworth"]),
        ("@x.y@corp.example ok", ["x.y@corp.example"]),
        ("mail bob@example.com", []),
        ("@@bob", []),
        ("no mention", []),
        ("@alice and @alice again", ["alice"]),
        ('@"unterminated name', []),
        ("@", []),
        ("@Zoë and @José, @Łukasz", ["Zoë", "José", "Łukasz"]),
        ("@carolé is not @carol", ["carolé", "carol"]),
        ("@_private", []),
    ],
)
def test_mentions_are_found_in_the_text(body: str, named: list[str]) -> None:
    assert mention_candidates(body) == named


def test_at_most_fifty_mentions_are_read() -> None:
    body = " ".join(f"@u{n}" for n in range(200))

    assert len(mention_candidates(body)) == MAX_MENTIONS


USERS = [
    MentionedUser("alice", "Alice"),
    MentionedUser("rita", "Rita Hayworth"),
    MentionedUser("s1", "Sam"),
    MentionedUser("s2", "sam"),
]


def test_ids_match_first_then_unique_names_in_any_case() -> None:
    found = resolve_mentions(["ALICE", "rita hayworth", "alice", "Sam", "ghost"], USERS)

    assert found == ["alice", "rita"]


def test_an_internal_note_mentions_no_requester() -> None:
    users = [
        MentionedUser("alice", "Alice"),
        MentionedUser("rita", "Rita", requester=True),
        MentionedUser("tom", "Tom"),
    ]
    named = ["alice", "rita", "tom"]

    public = resolve_mentions(named, users, requester_id="tom")
    internal = resolve_mentions(named, users, internal=True, requester_id="tom")

    assert public == ["alice", "rita", "tom"]
    assert internal == ["alice"]
