"""What a ticket does when one of its SLA points fires: the definition's actions.

``sla.warning.v1`` and ``sla.breached.v1`` carry the actions of their point. They
are carried out as the system actor ``sla``, in one transaction with the inbox
row and an audit entry naming the point, so a redelivered event does nothing
twice. An action that cannot be carried out (the assignee has since been
deleted, say) is recorded in that audit entry instead and the others still run:
a breach must not be retried for ever because a team was removed.
"""

import logging
from datetime import UTC, datetime
from typing import Any

from desk_infra.inbox import first_delivery
from helpdesk_contracts import Envelope
from helpdesk_contracts.permissions import Permission
from helpdesk_contracts.sla.v1 import SlaAction, SlaActionKind, SlaBreached, SlaWarning
from helpdesk_contracts.vocabulary import ActorKind, AssigneeKind, Priority

from desk_tickets.adapters.tables import inbox
from desk_tickets.domain.access import Actor
from desk_tickets.domain.errors import TicketsError
from desk_tickets.domain.model import Assignee
from desk_tickets.service_layer import assignees
from desk_tickets.service_layer.ticket_history import audit_entry
from desk_tickets.service_layer.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

CONSUMER = "tickets.sla"
SLA_ACTOR_ID = "sla"
RANK = {p: rank for rank, p in enumerate(Priority)}
"""Priorities from lowest to highest, as the vocabulary lists them."""


class SlaUnitOfWork(UnitOfWork):
    async def first_delivery(self, event: Envelope[Any]) -> bool:
        assert self._conn is not None
        return await first_delivery(self._conn, inbox, CONSUMER, event.id)


def system_actor(tenant_id: str) -> Actor:
    return Actor(
        tenant_id=tenant_id,
        user_id=SLA_ACTOR_ID,
        kind=ActorKind.SYSTEM,
        permissions=frozenset({Permission.REQUEST_UPDATE_ALL.value}),
    )


async def _carry_out(
    uow: UnitOfWork, actor: Actor, event: SlaWarning | SlaBreached, action: SlaAction
) -> None:
    ticket_id = event.ticket_id
    who = (
        None
        if action.assignee is None
        else Assignee(AssigneeKind(action.assignee.kind), action.assignee.id)
    )
    match action.kind:
        case SlaActionKind.REASSIGN_PRIMARY if who is not None:
            await assignees.reassign_primary(uow, actor, ticket_id, who)
        case SlaActionKind.ADD_ASSIGNEE if who is not None:
            await assignees.add_assignee(uow, actor, ticket_id, who)
        case SlaActionKind.RAISE_PRIORITY:
            ticket = await uow.tickets.get(actor.tenant_id, ticket_id)
            if ticket is None:
                return
            target = action.priority or _one_above(ticket.priority)
            if RANK[target] > RANK[ticket.priority]:
                await assignees.set_priority(uow, actor, ticket_id, target)
        case _:
            raise ValueError(f"{action.kind} needs an assignee")


def _one_above(priority: Priority) -> Priority:
    ordered = list(Priority)
    return ordered[min(RANK[priority] + 1, len(ordered) - 1)]


async def apply_sla_point(
    uow: SlaUnitOfWork, envelope: Envelope[SlaWarning | SlaBreached]
) -> None:
    """Carry out the point's actions on its ticket, once."""
    event = envelope.data
    actor = system_actor(envelope.tenantid)
    async with uow:
        if not await uow.first_delivery(envelope):
            return
        ticket = await uow.tickets.get(actor.tenant_id, event.ticket_id)
        if ticket is None:  # deleted since: nothing to act on
            await uow.commit()
            return
        outcomes = []
        for action in event.actions:
            try:
                await _carry_out(uow, actor, event, action)
                outcomes.append({"action": action.kind.value, "done": True})
            except (TicketsError, ValueError) as exc:
                log.warning("SLA action %s on %s not done: %s", action, ticket.id, exc)
                outcomes.append(
                    {"action": action.kind.value, "done": False, "reason": str(exc)}
                )
        now = ticket.with_changes(updated_at=datetime.now(UTC))
        point = "sla_warning" if isinstance(event, SlaWarning) else "sla_breached"
        changes = {
            "sla": {"before": None, "after": event.definition_name},
            "due_at": {"before": None, "after": event.due_at.isoformat()},
            "actions": {"before": None, "after": outcomes},
        }
        await uow.audit.record([audit_entry(now, actor, point, changes)])
        await uow.commit()
