"""@mentions in a comment's text.

Two forms, both matched against the tenant's users (directory kind ``users``):

* ``@alice``, ``@zoë`` or ``@alice.smith@example.com``: a user id, or a one-word
  name (letters of any script, digits and ``._@+-``);
* ``@"Alice Smith"``: a name (or id) with spaces, in double quotes.

An ``@`` inside a word (``bob@example.com``) starts no mention. Trailing
punctuation (``@alice,`` ``@alice.``) is not part of the mention. Names match
without regard to case. Mentions that match no active user, or a name shared by
several users, are ignored. An internal note never mentions a requester: the
ticket's own, or a user the directory marks ``{"role": "requester"}``.
"""

import re
from dataclasses import dataclass

MAX_MENTIONS = 50
_QUOTED = r'"(?P<quoted>[^"\r\n]{1,100})"'
_BARE = r"(?P<bare>[^\W_][\w.@+-]{0,127})"
_MENTION = re.compile(rf"(?<![\w@.+-])@(?:{_QUOTED}|{_BARE})")
_TRAILING = "._@+-"


@dataclass(frozen=True)
class MentionedUser:
    id: str
    name: str
    requester: bool = False
    """Marked a requester in the directory: never told of an internal note."""


def mention_candidates(body: str) -> list[str]:
    """What each mention names, in order of appearance, without repeats."""
    if "@" not in body:
        return []
    found: dict[str, None] = {}
    for match in _MENTION.finditer(body):
        quoted, bare = match.group("quoted"), match.group("bare")
        text = quoted.strip() if quoted else bare.rstrip(_TRAILING)
        if text:
            found.setdefault(text, None)
        if len(found) >= MAX_MENTIONS:
            break
    return list(found)


def resolve_mentions(
    candidates: list[str],
    users: list[MentionedUser],
    *,
    internal: bool = False,
    requester_id: str | None = None,
) -> list[str]:
    """The user ids the candidates name, in order: an id first, else a unique name.
    In an ``internal`` note, requesters (``requester_id`` too) are left out."""
    by_id = {u.id: u.id for u in users}
    names: dict[str, list[str]] = {}
    for user in users:
        names.setdefault(user.name.casefold(), []).append(user.id)
    resolved: dict[str, None] = {}
    for text in candidates:
        same_name = names.get(text.casefold(), [])
        user_id = by_id.get(text) or (same_name[0] if len(same_name) == 1 else None)
        if user_id is not None:
            resolved.setdefault(user_id, None)
    if internal:
        hidden = {u.id for u in users if u.requester} | {requester_id}
        return [user_id for user_id in resolved if user_id not in hidden]
    return list(resolved)
