"""A ticket's assignees: one primary and any number of additional ones.

Each function takes the current assignees and returns the new ones; none of them
touches the database, and they keep the primary first.
"""

from desk_tickets.domain.model import Assignee

Assignees = tuple[Assignee, ...]


def _same(a: Assignee, b: Assignee) -> bool:
    return a.kind is b.kind and a.id == b.id


def _without(current: Assignees, who: Assignee) -> list[Assignee]:
    return [a for a in current if not _same(a, who)]


def _ordered(primary: Assignee | None, others: list[Assignee]) -> Assignees:
    extra = tuple(Assignee(a.kind, a.id, primary=False) for a in others)
    if primary is None:
        return extra
    return (Assignee(primary.kind, primary.id, primary=True), *extra)


def primary_of(current: Assignees) -> Assignee | None:
    return next((a for a in current if a.primary), None)


def replace_primary(current: Assignees, who: Assignee) -> Assignees:
    """``who`` becomes primary; the former primary is unassigned."""
    old = primary_of(current)
    others = [a for a in _without(current, who) if old is None or not _same(a, old)]
    return _ordered(who, others)


def make_primary(current: Assignees, who: Assignee) -> Assignees:
    """``who`` becomes primary; the former primary stays as an additional one."""
    old = primary_of(current)
    others = _without(current, who)
    if old is not None and not _same(old, who):
        others = [*_without(tuple(others), old), old]
    return _ordered(who, others)


def add(current: Assignees, who: Assignee) -> Assignees:
    """Add an additional assignee; on a ticket without a primary, it is the primary."""
    if any(_same(a, who) for a in current):
        return current
    primary = primary_of(current)
    if primary is None:
        return _ordered(who, list(current))
    return _ordered(primary, [*_without(current, primary), who])


def remove(current: Assignees, who: Assignee) -> Assignees:
    """Unassign ``who``; when it was the primary, the longest-assigned other one
    takes its place, so that an assigned ticket always has a primary."""
    rest = _without(current, who)
    primary = primary_of(tuple(rest))
    if primary is None and rest:
        primary = rest[0]
    others = [a for a in rest if primary is None or not _same(a, primary)]
    return _ordered(primary, others)
