"""Who may do what to a ticket: the permission strings of the guide, applied."""

from dataclasses import dataclass, field

from helpdesk_contracts.permissions import REQUEST_UPDATE, REQUEST_VIEW, Permission
from helpdesk_contracts.vocabulary import ActorKind, AssigneeKind

from desk_tickets.domain.errors import Forbidden
from desk_tickets.domain.model import Ticket


@dataclass(frozen=True)
class Actor:
    """The caller, as the gateway authenticated it."""

    tenant_id: str
    user_id: str
    kind: ActorKind
    permissions: frozenset[str] = frozenset()
    team_ids: frozenset[str] = field(default_factory=frozenset)

    def has(self, permission: Permission) -> bool:
        return permission.value in self.permissions

    @property
    def is_requester(self) -> bool:
        return self.kind is ActorKind.REQUESTER


def raised_by(actor: Actor, ticket: Ticket) -> bool:
    """The ticket is the actor's own: they raised it or it was raised for them."""
    return actor.user_id in (ticket.requester_id, ticket.created_by_id)


def assigned_to(actor: Actor, ticket: Ticket) -> bool:
    """The actor, or one of the actor's teams, is among the ticket's assignees."""
    for assignee in ticket.assignees:
        if assignee.kind is AssigneeKind.USER and assignee.id == actor.user_id:
            return True
        if assignee.kind is AssigneeKind.TEAM and assignee.id in actor.team_ids:
            return True
    return False


def can_view_any(actor: Actor) -> bool:
    """Operators who may work (or delete) tickets see all the tenant's tickets."""
    return not actor.is_requester and bool(REQUEST_VIEW & actor.permissions)


def can_view(actor: Actor, ticket: Ticket) -> bool:
    if actor.is_requester:
        return raised_by(actor, ticket)
    return can_view_any(actor)


def require_create(actor: Actor) -> None:
    if actor.is_requester:
        return
    if not REQUEST_UPDATE & actor.permissions:
        raise Forbidden(
            "logging tickets needs a support:request:update permission",
            Permission.REQUEST_UPDATE_OWN,
        )


def require_update(actor: Actor, ticket: Ticket) -> None:
    if actor.has(Permission.REQUEST_UPDATE_ALL):
        return
    if actor.has(Permission.REQUEST_UPDATE_ASSIGNED) and assigned_to(actor, ticket):
        return
    if actor.has(Permission.REQUEST_UPDATE_OWN) and raised_by(actor, ticket):
        return
    raise Forbidden(
        f"your permissions do not cover changing {ticket.reference}",
        Permission.REQUEST_UPDATE_ALL,
    )


def require_delete(actor: Actor) -> None:
    if not actor.has(Permission.REQUEST_DELETE_ALL):
        raise Forbidden(
            "deleting tickets needs support:request:delete:all",
            Permission.REQUEST_DELETE_ALL,
        )
