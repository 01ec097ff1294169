"""Tagging a ticket: add and remove free-form, normalised tags."""

import uuid

from desk_tickets.domain import tags
from desk_tickets.domain.access import Actor
from desk_tickets.domain.model import Ticket
from desk_tickets.service_layer.ticket_edits import record_edit, ticket_for_edit
from desk_tickets.service_layer.unit_of_work import UnitOfWork


async def add_tag(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: uuid.UUID,
    raw: str,
    if_match: frozenset[int] | None = None,
) -> Ticket:
    tag = tags.normalise(raw)
    actor, ticket = await ticket_for_edit(uow, actor, ticket_id, if_match)
    return await record_edit(
        uow, actor, ticket, {"tags": tags.with_tag(ticket.tags, tag)}
    )


async def remove_tag(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: uuid.UUID,
    raw: str,
    if_match: frozenset[int] | None = None,
) -> Ticket:
    tag = tags.normalise(raw)
    actor, ticket = await ticket_for_edit(uow, actor, ticket_id, if_match)
    return await record_edit(
        uow, actor, ticket, {"tags": tags.without_tag(ticket.tags, tag)}
    )
