"""Small edits to one ticket (assignees, tags, priority) inside an open unit of work.

``ticket_for_edit`` locks the ticket and checks the caller may change it;
``record_edit`` writes the change, its audit entry and its events. Neither commits:
the caller does, so that other writes (an inbox row, say) share the transaction.
"""

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from desk_tickets.domain import access
from desk_tickets.domain.access import Actor
from desk_tickets.domain.errors import NotFound, require_version
from desk_tickets.domain.model import Assignee, Ticket
from desk_tickets.service_layer.teams import with_teams
from desk_tickets.service_layer.ticket_history import audit_entry, change_events, diff
from desk_tickets.service_layer.unit_of_work import UnitOfWork


async def ticket_for_edit(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: uuid.UUID,
    if_match: frozenset[int] | None = None,
) -> tuple[Actor, Ticket]:
    """The ticket, locked, and the actor with their teams; 404, 412 (a version
    ``if_match`` does not name) or 403 otherwise."""
    ticket = await uow.tickets.get(actor.tenant_id, ticket_id, for_update=True)
    if ticket is None or not access.can_view(actor, ticket):
        raise NotFound("ticket", ticket_id)
    require_version("ticket", ticket.version, if_match)
    actor = await with_teams(uow, actor)
    access.require_update(actor, ticket)
    return actor, ticket


async def record_edit(
    uow: UnitOfWork,
    actor: Actor,
    before: Ticket,
    columns: dict[str, Any],
    assignees: tuple[Assignee, ...] | None = None,
) -> Ticket:
    """Write the changed columns and assignees; the ticket as it is now."""
    columns = {k: v for k, v in columns.items() if getattr(before, k) != v}
    if assignees is not None and set(assignees) == set(before.assignees):
        assignees = None
    if not columns and assignees is None:
        return before
    now = datetime.now(UTC)
    after = before.with_changes(
        **columns,
        assignees=before.assignees if assignees is None else assignees,
        version=before.version + 1,
        updated_at=now,
    )
    stored = {k: list(v) if k == "tags" else v for k, v in columns.items()}
    await uow.tickets.save(after, stored)
    if assignees is not None:
        await uow.tickets.replace_assignees(before.id, assignees)
    changes = diff(before, after)
    await uow.audit.record([audit_entry(after, actor, "updated", changes)])
    uow.publish(*change_events(before, after, actor, changes, None))
    return after


async def committed(
    uow: UnitOfWork, edit: Callable[[UnitOfWork], Awaitable[Ticket]]
) -> Ticket:
    """Run an edit in its own transaction and commit it."""
    async with uow:
        ticket = await edit(uow)
        await uow.commit()
    return ticket
