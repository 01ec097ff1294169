"""The checks a ticket's values pass before they are written: whom it is for, its
links to the directory, its topic pair, its primary assignee."""

import uuid

from helpdesk_contracts.api.tickets import AssigneeRef, TicketCreate, TicketUpdate

from desk_tickets.domain import assignment
from desk_tickets.domain.access import Actor
from desk_tickets.domain.errors import Forbidden, InvalidField
from desk_tickets.domain.model import Assignee, Ticket
from desk_tickets.service_layer.assignees import check_assignee
from desk_tickets.service_layer.tenants import check_entry
from desk_tickets.service_layer.ticket_history import LINKS
from desk_tickets.service_layer.unit_of_work import UnitOfWork


def requester_for(actor: Actor, requested: str | None) -> str:
    if actor.is_requester:
        if requested not in (None, actor.user_id):
            raise Forbidden("requesters raise tickets for themselves only")
        return actor.user_id
    return requested or actor.user_id


def links(cmd: TicketCreate | TicketUpdate) -> dict[str, str | None]:
    return {name: getattr(cmd, name) for name in LINKS}


async def check_directory(
    uow: UnitOfWork, actor: Actor, wanted: dict[str, str | None]
) -> None:
    """Each newly linked person, customer or location must be an active entry of
    the tenant's directory."""
    for field, entry_id in wanted.items():
        if entry_id is None or (field == "requester_id" and entry_id == actor.user_id):
            continue
        kind = LINKS.get(field, "users")
        await check_entry(uow, actor.tenant_id, kind, entry_id, field)


def check_place(location_id: str | None, latitude: float | None, field: str) -> None:
    """A map pin stands in for a location that is not known: never both at once.

    ``field`` is the one this request set, which the error names."""
    if location_id is not None and latitude is not None:
        raise InvalidField(
            field,
            "a ticket has a known location or a map pin, not both: "
            "clear one in the same request",
        )


async def check_topics(
    uow: UnitOfWork,
    tenant_id: str,
    topic_id: uuid.UUID | None,
    sub_topic_id: uuid.UUID | None,
    current: Ticket | None,
) -> uuid.UUID | None:
    """Validate the topic pair and return the default SLA it implies.

    Inactive topics are refused for new choices, but a ticket keeps the one it has.
    """
    if topic_id is None:
        if sub_topic_id is not None:
            raise InvalidField("sub_topic_id", "a sub-topic needs its topic")
        return None
    topic = await uow.topics.get(tenant_id, topic_id)
    if topic is None or topic.parent_id is not None:
        raise InvalidField("topic_id", f"no topic {topic_id} in this tenant")
    kept = current is not None and current.topic_id == topic_id
    if not topic.active and not kept:
        raise InvalidField("topic_id", f"topic {topic.name!r} is inactive")
    if sub_topic_id is None:
        return topic.default_sla_id  # type: ignore[no-any-return]
    sub = await uow.topics.get(tenant_id, sub_topic_id)
    if sub is None or sub.parent_id != topic_id:
        raise InvalidField(
            "sub_topic_id", f"{sub_topic_id} is not a sub-topic of topic {topic_id}"
        )
    kept_sub = current is not None and current.sub_topic_id == sub_topic_id
    if not sub.active and not kept_sub:
        raise InvalidField("sub_topic_id", f"sub-topic {sub.name!r} is inactive")
    return sub.default_sla_id or topic.default_sla_id  # type: ignore[no-any-return]


async def primary_assignees(
    current: tuple[Assignee, ...],
    wanted: AssigneeRef | None,
    uow: UnitOfWork,
    actor: Actor,
) -> list[Assignee]:
    """Assignees after making ``wanted`` primary: a former additional one is promoted
    (the old primary stays as additional); otherwise the old primary is replaced.

    No ``wanted`` unassigns the primary as removing it does, so that an assigned
    ticket keeps a primary: the longest-assigned other one."""
    if wanted is None:
        primary = assignment.primary_of(current)
        return list(current if primary is None else assignment.remove(current, primary))
    who = Assignee(wanted.kind, wanted.id)
    if any(a.kind is who.kind and a.id == who.id for a in current):
        return list(assignment.make_primary(current, who))
    await check_assignee(uow, actor.tenant_id, who)
    return list(assignment.replace_primary(current, who))
