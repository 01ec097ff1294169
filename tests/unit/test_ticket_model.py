"""Reference numbers and the status lifecycle of a ticket (the guide's "Statuses")."""

from datetime import datetime, timedelta

import pytest
from desk_tickets.domain.model import Ticket, format_reference, status_stamps
from helpdesk_contracts.vocabulary import TicketStatus
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.builders import CREATED, make_ticket

OPEN = TicketStatus.OPEN
IN_PROGRESS = TicketStatus.IN_PROGRESS
PENDING = TicketStatus.PENDING
RESOLVED = TicketStatus.RESOLVED
CLOSED = TicketStatus.CLOSED

# --- reference numbers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "number", "expected"),
    [
        (2024, 1, "SR-2024-0001"),
        (2024, 42, "SR-2024-0042"),
        (2024, 999, "SR-2024-0999"),
        (2024, 9999, "SR-2024-9999"),
        (2024, 10000, "SR-2024-10000"),
        (2025, 123456, "SR-2025-123456"),
    ],
)
def test_format_reference_pads_to_four_digits_and_widens_past_9999(
    year: int, number: int, expected: str
) -> None:
    reference = format_reference(year, number)

    assert reference == expected


def test_reference_numbers_read_back_unambiguously() -> None:
    numbers = [1, 9999, 10000, 10001]

    references = [format_reference(2024, n) for n in numbers]

    assert [int(r.rsplit("-", 1)[1]) for r in references] == numbers
    assert len(set(references)) == len(numbers)


# --- status stamps: every pair of the five statuses -------------------------------

EARLIER = CREATED + timedelta(hours=1)
LATER = CREATED + timedelta(hours=2)
NOW = CREATED + timedelta(days=1)
ME = "mover"

# The ticket as it stands in each status before the move. A closed ticket was
# resolved (by rosa) before carl closed it, so that keeping or clearing an earlier
# resolution shows.
BEFORE: dict[TicketStatus, dict[str, object]] = {
    OPEN: {},
    IN_PROGRESS: {},
    PENDING: {},
    RESOLVED: {"resolved_at": EARLIER, "resolved_by": "rosa"},
    CLOSED: {
        "resolved_at": EARLIER,
        "resolved_by": "rosa",
        "closed_at": LATER,
        "closed_by": "carl",
    },
}

Stamps = tuple[TicketStatus, datetime | None, str | None, datetime | None, str | None]
"""(status, resolved_at, resolved_by, closed_at, closed_by) after the move."""

UNCHANGED = None
RESOLVED_NOW: Stamps = (RESOLVED, NOW, ME, None, None)
CLOSED_NOW: Stamps = (CLOSED, None, None, NOW, ME)
CLOSED_KEEPING_RESOLUTION: Stamps = (CLOSED, EARLIER, "rosa", NOW, ME)


def moved(status: TicketStatus) -> Stamps:
    """A move to a working status: nothing stamped, earlier stamps cleared."""
    return (status, None, None, None, None)


TRANSITIONS: list[tuple[TicketStatus, TicketStatus, Stamps | None]] = [
    (OPEN, OPEN, UNCHANGED),
    (OPEN, IN_PROGRESS, moved(IN_PROGRESS)),
    (OPEN, PENDING, moved(PENDING)),
    (OPEN, RESOLVED, RESOLVED_NOW),
    (OPEN, CLOSED, CLOSED_NOW),
    (IN_PROGRESS, OPEN, moved(OPEN)),
    (IN_PROGRESS, IN_PROGRESS, UNCHANGED),
    (IN_PROGRESS, PENDING, moved(PENDING)),
    (IN_PROGRESS, RESOLVED, RESOLVED_NOW),
    (IN_PROGRESS, CLOSED, CLOSED_NOW),
    (PENDING, OPEN, moved(OPEN)),
    (PENDING, IN_PROGRESS, moved(IN_PROGRESS)),
    (PENDING, PENDING, UNCHANGED),
    (PENDING, RESOLVED, RESOLVED_NOW),
    (PENDING, CLOSED, CLOSED_NOW),
    (RESOLVED, OPEN, moved(OPEN)),
    (RESOLVED, IN_PROGRESS, moved(IN_PROGRESS)),
    (RESOLVED, PENDING, moved(PENDING)),
    (RESOLVED, RESOLVED, UNCHANGED),
    (RESOLVED, CLOSED, CLOSED_KEEPING_RESOLUTION),
    (CLOSED, OPEN, moved(OPEN)),
    (CLOSED, IN_PROGRESS, moved(IN_PROGRESS)),
    (CLOSED, PENDING, moved(PENDING)),
    (CLOSED, RESOLVED, RESOLVED_NOW),
    (CLOSED, CLOSED, UNCHANGED),
]


def stamps_of(ticket: Ticket) -> Stamps:
    return (
        ticket.status,
        ticket.resolved_at,
        ticket.resolved_by,
        ticket.closed_at,
        ticket.closed_by,
    )


def test_the_table_covers_every_pair_of_statuses_once() -> None:
    pairs = [(old, new) for old, new, _ in TRANSITIONS]

    assert sorted(pairs) == sorted((a, b) for a in TicketStatus for b in TicketStatus)
    assert len(set(pairs)) == len(TicketStatus) ** 2 == 25


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    TRANSITIONS,
    ids=[f"{old}->{new}" for old, new, _ in TRANSITIONS],
)
def test_status_stamps_for_each_move(
    old: TicketStatus, new: TicketStatus, expected: Stamps | None
) -> None:
    ticket = make_ticket(status=old, **BEFORE[old])

    stamps = status_stamps(ticket, new, ME, NOW)
    after = ticket.with_changes(**stamps)

    if expected is UNCHANGED:
        assert stamps == {}
    else:
        assert stamps["status"] == new
        assert stamps_of(after) == expected


def test_closing_a_ticket_never_resolved_leaves_it_unresolved() -> None:
    ticket = make_ticket(status=PENDING)

    after = ticket.with_changes(**status_stamps(ticket, CLOSED, ME, NOW))

    assert stamps_of(after) == (CLOSED, None, None, NOW, ME)


def test_resolving_a_closed_ticket_again_restamps_the_resolution() -> None:
    ticket = make_ticket(status=CLOSED, **BEFORE[CLOSED])

    after = ticket.with_changes(**status_stamps(ticket, RESOLVED, ME, NOW))

    assert (after.resolved_at, after.resolved_by) == (NOW, ME)
    assert (after.closed_at, after.closed_by) == (None, None)


# --- the lifecycle as a property: any sequence of moves ---------------------------

USERS = ("ann", "bob", "cy")


@given(
    moves=st.lists(
        st.tuples(st.sampled_from(list(TicketStatus)), st.sampled_from(USERS)),
        max_size=30,
    )
)
def test_any_sequence_of_moves_keeps_the_stamps_consistent(
    moves: list[tuple[TicketStatus, str]],
) -> None:
    ticket = make_ticket()
    # What the guide promises, tracked alongside: when and by whom the ticket last
    # entered its current status, and the status it came from.
    entered: tuple[datetime, str] | None = None
    came_from: TicketStatus | None = None
    resolution_before_close: tuple[datetime | None, str | None] | None = None

    for step, (new, user) in enumerate(moves, start=1):
        now = CREATED + timedelta(minutes=step)
        before = ticket
        stamps = status_stamps(ticket, new, user, now)
        ticket = ticket.with_changes(**stamps)

        if new == before.status:
            assert stamps == {}, "a move to the same status changes nothing"
            assert ticket == before
        else:
            assert ticket.status == new
            resolution_before_close = (
                (before.resolved_at, before.resolved_by)
                if new is CLOSED and before.status is RESOLVED
                else None
            )
            came_from, entered = before.status, (now, user)

        status = ticket.status
        # Stamps come in pairs: a date never without a who, nor the reverse.
        assert (ticket.resolved_at is None) == (ticket.resolved_by is None)
        assert (ticket.closed_at is None) == (ticket.closed_by is None)
        # Closed stamps exist exactly while closed, and name the move that closed.
        assert (ticket.closed_at is not None) == (status is CLOSED)
        if status is CLOSED:
            assert (ticket.closed_at, ticket.closed_by) == entered
        # Resolved stamps exist while resolved, or while closed straight from
        # resolved (closing keeps the resolution); reopening clears them.
        resolved_kept = status is CLOSED and came_from is RESOLVED
        assert (ticket.resolved_at is not None) == (status is RESOLVED or resolved_kept)
        if status is RESOLVED:
            assert (ticket.resolved_at, ticket.resolved_by) == entered
        if resolved_kept:
            assert (ticket.resolved_at, ticket.resolved_by) == resolution_before_close
        # Stamps are never in the future of the move, nor before the ticket.
        for stamp in (ticket.resolved_at, ticket.closed_at):
            assert stamp is None or CREATED < stamp <= now
