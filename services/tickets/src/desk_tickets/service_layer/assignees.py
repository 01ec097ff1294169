"""Assigning a ticket: the primary assignee and any number of additional ones,
each a user or a team of the tenant.

These run inside an open unit of work and leave the commit to the caller, so that
the HTTP API (through ``ticket_edits.committed``) and event consumers (the SLA's
re-assign action, with its inbox row) can both use them; the actor may be the
system, holding ``support:request:update:all``.
"""

import uuid

from helpdesk_contracts.api.tickets import AssigneeRef
from helpdesk_contracts.vocabulary import AssigneeKind, Priority

from desk_tickets.domain import assignment
from desk_tickets.domain.access import Actor
from desk_tickets.domain.errors import InvalidField
from desk_tickets.domain.model import Assignee, Ticket
from desk_tickets.service_layer.tenants import check_entry
from desk_tickets.service_layer.ticket_edits import record_edit, ticket_for_edit
from desk_tickets.service_layer.unit_of_work import UnitOfWork

Who = Assignee | AssigneeRef
Versions = frozenset[int] | None


def _assignee(who: Who) -> Assignee:
    return Assignee(AssigneeKind(who.kind), who.id)


async def check_assignee(
    uow: UnitOfWork, tenant_id: str, who: Assignee, field: str = "assignee"
) -> None:
    """The user must be an active one of the tenant, the team a live one."""
    if who.kind is AssigneeKind.USER:
        await check_entry(uow, tenant_id, "users", who.id, field)
    elif not await uow.teams.existing(tenant_id, [who.id]):
        raise InvalidField(field, f"no team {who.id!r} in this tenant")


async def reassign_primary(
    uow: UnitOfWork, actor: Actor, ticket_id: uuid.UUID, who: Who
) -> Ticket:
    """Make ``who`` the primary assignee; the former primary is unassigned."""
    actor, ticket = await ticket_for_edit(uow, actor, ticket_id)
    new = _assignee(who)
    await check_assignee(uow, actor.tenant_id, new)
    assignees = assignment.replace_primary(ticket.assignees, new)
    return await record_edit(uow, actor, ticket, {}, assignees)


async def make_primary(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: uuid.UUID,
    who: Who,
    if_match: Versions = None,
) -> Ticket:
    """Make ``who`` primary; the former primary stays as an additional assignee."""
    actor, ticket = await ticket_for_edit(uow, actor, ticket_id, if_match)
    new = _assignee(who)
    await check_assignee(uow, actor.tenant_id, new)
    assignees = assignment.make_primary(ticket.assignees, new)
    return await record_edit(uow, actor, ticket, {}, assignees)


async def add_assignee(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: uuid.UUID,
    who: Who,
    if_match: Versions = None,
) -> Ticket:
    """Add an additional assignee (the primary, on a ticket that has none)."""
    actor, ticket = await ticket_for_edit(uow, actor, ticket_id, if_match)
    new = _assignee(who)
    await check_assignee(uow, actor.tenant_id, new)
    assignees = assignment.add(ticket.assignees, new)
    return await record_edit(uow, actor, ticket, {}, assignees)


async def remove_assignee(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: uuid.UUID,
    who: Who,
    if_match: Versions = None,
) -> Ticket:
    """Unassign ``who``; removing the primary promotes the longest-assigned other."""
    actor, ticket = await ticket_for_edit(uow, actor, ticket_id, if_match)
    assignees = assignment.remove(ticket.assignees, _assignee(who))
    return await record_edit(uow, actor, ticket, {}, assignees)


async def set_priority(
    uow: UnitOfWork, actor: Actor, ticket_id: uuid.UUID, priority: Priority
) -> Ticket:
    actor, ticket = await ticket_for_edit(uow, actor, ticket_id)
    return await record_edit(uow, actor, ticket, {"priority": priority})
