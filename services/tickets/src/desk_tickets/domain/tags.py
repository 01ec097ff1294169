"""Tags: free-form labels, kept trimmed, lower-case and unique on each ticket."""

import re

from desk_tickets.domain.errors import InvalidField

MAX_LENGTH = 50
MAX_TAGS = 50
_SPACES = re.compile(r"\s+")


def normalise(raw: str, field: str = "tag") -> str:
    """The stored form of a tag: trimmed, inner spaces collapsed, lower-case."""
    tag = _SPACES.sub(" ", raw).strip().lower()
    if not tag:
        raise InvalidField(field, "a tag cannot be empty")
    if len(tag) > MAX_LENGTH:
        raise InvalidField(field, f"a tag has at most {MAX_LENGTH} characters")
    if not tag.isprintable():
        raise InvalidField(field, "a tag cannot hold control characters")
    return tag


def with_tag(tags: tuple[str, ...], tag: str) -> tuple[str, ...]:
    if tag in tags:
        return tags
    if len(tags) >= MAX_TAGS:
        raise InvalidField("tag", f"a ticket has at most {MAX_TAGS} tags")
    return (*tags, tag)


def without_tag(tags: tuple[str, ...], tag: str) -> tuple[str, ...]:
    return tuple(t for t in tags if t != tag)
