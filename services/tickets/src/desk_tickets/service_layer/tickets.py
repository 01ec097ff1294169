"""Use cases on tickets: open, change, delete, read, list, and read the audit log."""

import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from helpdesk_contracts.api.tickets import AssigneeRef, TicketCreate, TicketUpdate
from helpdesk_contracts.permissions import Permission
from helpdesk_contracts.tickets import v1
from helpdesk_contracts.vocabulary import (
    AssigneeKind,
    Priority,
    TicketChannel,
    TicketStatus,
)
from sqlalchemy import Row

from desk_tickets.adapters.repository import assigned_filter, unassigned_filter
from desk_tickets.adapters.tables import tickets as t
from desk_tickets.domain import access
from desk_tickets.domain.access import Actor
from desk_tickets.domain.errors import (
    Forbidden,
    InvalidField,
    NotFound,
    VersionMismatch,
)
from desk_tickets.domain.model import (
    REFERENCE_PREFIX,
    Assignee,
    Ticket,
    status_stamps,
)
from desk_tickets.service_layer.unit_of_work import UnitOfWork
from desk_tickets.service_layer.views import envelope, event_actor, plain, snapshot

LINKS = {"member_id": "members", "customer_id": "customers", "location_id": "locations"}
PLAIN_FIELDS = ("subject", "description", "priority", "requester_id", *LINKS)


def _now() -> datetime:
    return datetime.now(UTC)


async def open_ticket(uow: UnitOfWork, actor: Actor, cmd: TicketCreate) -> Ticket:
    """Log a new ticket, for the caller or, by an operator, on a requester's behalf.

    Checks run first; then one statement numbers and writes the ticket, its audit
    entry and its event, so the tenant's counter is locked only while it runs.
    """
    access.require_create(actor)
    requester_id = _requester_for(actor, cmd.requester_id)
    now = _now()
    placeholder = f"{REFERENCE_PREFIX}-PENDING-{uuid.uuid4().hex}"
    async with uow.autocommit() as work:
        await _check_directory(
            work, actor, {"requester_id": requester_id, **_links(cmd)}
        )
        default_sla_id = await _check_topics(
            work, actor.tenant_id, cmd.topic_id, cmd.sub_topic_id, current=None
        )
        assignees = await _primary_assignees((), cmd.assignee, work, actor)
        ticket = _new_ticket(actor, cmd, requester_id, assignees, placeholder, now)
        created = v1.TicketCreated(
            ticket_id=ticket.id,
            reference=ticket.reference,
            actor=event_actor(actor),
            ticket=snapshot(ticket),
            default_sla_id=default_sla_id,
        )
        reference = await work.tickets.add_numbered(
            ticket,
            placeholder=placeholder,
            audit_changes=_created_changes(ticket),
            events=work.event_rows([envelope(created, ticket)]),
        )
    return ticket.with_changes(reference=reference)


def _new_ticket(
    actor: Actor,
    cmd: TicketCreate,
    requester_id: str,
    assignees: list[Assignee],
    reference: str,
    now: datetime,
) -> Ticket:
    ticket = Ticket(
        id=uuid.uuid4(),
        tenant_id=actor.tenant_id,
        reference=reference,
        subject=cmd.subject,
        description=cmd.description,
        status=TicketStatus.OPEN,
        priority=cmd.priority,
        channel=TicketChannel.PORTAL,
        topic_id=cmd.topic_id,
        sub_topic_id=cmd.sub_topic_id,
        requester_id=requester_id,
        created_by_id=actor.user_id,
        created_by_kind=actor.kind,
        member_id=cmd.member_id,
        customer_id=cmd.customer_id,
        location_id=cmd.location_id,
        latitude=cmd.map_pin.latitude if cmd.map_pin else None,
        longitude=cmd.map_pin.longitude if cmd.map_pin else None,
        resolved_at=None,
        resolved_by=None,
        closed_at=None,
        closed_by=None,
        created_at=now,
        updated_at=now,
        version=1,
        assignees=tuple(assignees),
    )
    if cmd.status is TicketStatus.OPEN:
        return ticket
    return ticket.with_changes(**status_stamps(ticket, cmd.status, actor.user_id, now))


async def get_ticket(uow: UnitOfWork, actor: Actor, ticket_id: uuid.UUID) -> Ticket:
    async with uow:
        return await _visible_ticket(uow, actor, ticket_id)


async def get_ticket_by_reference(
    uow: UnitOfWork, actor: Actor, reference: str
) -> Ticket:
    async with uow:
        ticket = await uow.tickets.get_by_reference(actor.tenant_id, reference.upper())
        if ticket is None or not access.can_view(actor, ticket):
            raise NotFound("ticket", reference)
        return ticket


async def change_ticket(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: uuid.UUID,
    cmd: TicketUpdate,
    if_match: frozenset[int] | None = None,
) -> Ticket:
    """Apply a partial update; events and one audit entry describe what changed."""
    now = _now()
    async with uow:
        ticket = await _visible_ticket(uow, actor, ticket_id, for_update=True)
        if if_match is not None and ticket.version not in if_match:
            raise VersionMismatch(min(if_match), ticket.version)
        access.require_update(actor, ticket)
        change = await _plan_change(uow, actor, ticket, cmd, now)
        if not change.columns and change.assignees is None:
            return ticket
        changed = ticket.with_changes(
            **change.columns,
            version=ticket.version + 1,
            updated_at=now,
            assignees=change.assignees
            if change.assignees is not None
            else ticket.assignees,
        )
        await uow.tickets.save(changed, change.columns)
        if change.assignees is not None:
            await uow.tickets.replace_assignees(ticket.id, change.assignees)
        diff = _diff(ticket, changed)
        await uow.audit.record([_audit(changed, actor, "updated", diff)])
        uow.publish(
            *_change_events(ticket, changed, actor, diff, change.default_sla_id)
        )
        await uow.commit()
    return changed


async def delete_ticket(uow: UnitOfWork, actor: Actor, ticket_id: uuid.UUID) -> None:
    access.require_delete(actor)
    now = _now()
    async with uow:
        ticket = await _visible_ticket(uow, actor, ticket_id, for_update=True)
        deleted = ticket.with_changes(version=ticket.version + 1, updated_at=now)
        await uow.tickets.mark_deleted(ticket.id, now, deleted.version)
        await uow.audit.record([_audit(deleted, actor, "deleted", {})])
        event = v1.TicketDeleted(
            ticket_id=ticket.id,
            reference=ticket.reference,
            actor=event_actor(actor),
            deleted_at=now,
        )
        uow.publish(envelope(event, deleted))
        await uow.commit()


@dataclass(frozen=True)
class TicketFilters:
    statuses: tuple[TicketStatus, ...] = ()
    priorities: tuple[Priority, ...] = ()
    topic_id: uuid.UUID | None = None
    sub_topic_id: uuid.UUID | None = None
    assigned_to_me: bool = False
    unassigned: bool = False
    newest_first: bool = True


@dataclass(frozen=True)
class TicketPage:
    items: list[Ticket]
    next_cursor: str | None
    total: int


async def list_tickets(
    uow: UnitOfWork,
    actor: Actor,
    filters: TicketFilters,
    cursor: str | None,
    limit: int,
) -> TicketPage:
    if not actor.is_requester and not access.can_view_any(actor):
        raise Forbidden("viewing tickets needs a support:request:update permission")
    conditions = _conditions(actor, filters)
    after = _decode_cursor(cursor) if cursor else None
    async with uow:
        items = await uow.tickets.page(
            actor.tenant_id,
            filters=conditions,
            newest_first=filters.newest_first,
            after=after,
            limit=limit + 1,
        )
        total = await uow.tickets.count(actor.tenant_id, conditions)
    more = len(items) > limit
    items = items[:limit]
    next_cursor = _encode_cursor(items[-1]) if more else None
    return TicketPage(items, next_cursor, total)


async def ticket_audit(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: uuid.UUID,
    *,
    newest_first: bool,
    after: int | None,
    limit: int,
) -> list[Row[Any]]:
    async with uow:
        await _visible_ticket(uow, actor, ticket_id)
        entries = await uow.audit.page(
            ticket_id, newest_first=newest_first, after=after, limit=limit
        )
    if actor.has(Permission.INTERNAL):
        return entries
    return [e for e in entries if not e.internal]


# --- helpers ---------------------------------------------------------------------


async def _visible_ticket(
    uow: UnitOfWork, actor: Actor, ticket_id: uuid.UUID, *, for_update: bool = False
) -> Ticket:
    ticket = await uow.tickets.get(actor.tenant_id, ticket_id, for_update=for_update)
    if ticket is None or not access.can_view(actor, ticket):
        raise NotFound("ticket", ticket_id)
    return ticket


def _requester_for(actor: Actor, requested: str | None) -> str:
    if actor.is_requester:
        if requested not in (None, actor.user_id):
            raise Forbidden("requesters raise tickets for themselves only")
        return actor.user_id
    return requested or actor.user_id


def _links(cmd: TicketCreate | TicketUpdate) -> dict[str, str | None]:
    return {name: getattr(cmd, name) for name in LINKS}


async def _check_directory(
    uow: UnitOfWork, actor: Actor, wanted: dict[str, str | None]
) -> None:
    """Each linked person, customer or location must be in the tenant's directory."""
    for field, entry_id in wanted.items():
        if entry_id is None or (field == "requester_id" and entry_id == actor.user_id):
            continue
        kind = LINKS.get(field, "users")
        if not await uow.directory.existing(actor.tenant_id, kind, [entry_id]):
            raise InvalidField(field, f"no {kind[:-1]} {entry_id!r} in this tenant")


async def _check_topics(
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


async def _primary_assignees(
    current: tuple[Assignee, ...],
    wanted: AssigneeRef | None,
    uow: UnitOfWork,
    actor: Actor,
) -> list[Assignee]:
    """Assignees after making ``wanted`` primary: a former additional one is promoted
    (the old primary stays as additional); otherwise the old primary is replaced."""
    others = [a for a in current if not a.primary]
    if wanted is None:
        return others
    if wanted.kind is AssigneeKind.TEAM:
        raise InvalidField(
            "assignee", "assigning teams needs Teams/Groups, not yet built"
        )
    known = any(a.id == wanted.id and a.kind is wanted.kind for a in current)
    if not known and not await uow.directory.existing(
        actor.tenant_id, "users", [wanted.id]
    ):
        raise InvalidField("assignee", f"no user {wanted.id!r} in this tenant")
    old_primary = next((a for a in current if a.primary), None)
    promoted = any(a.id == wanted.id and a.kind is wanted.kind for a in others)
    rest = [a for a in others if not (a.id == wanted.id and a.kind is wanted.kind)]
    if promoted and old_primary is not None:
        rest.append(Assignee(old_primary.kind, old_primary.id, primary=False))
    return [Assignee(wanted.kind, wanted.id, primary=True), *rest]


@dataclass
class _Change:
    columns: dict[str, Any]
    assignees: tuple[Assignee, ...] | None = None
    default_sla_id: uuid.UUID | None = None


async def _plan_change(
    uow: UnitOfWork, actor: Actor, ticket: Ticket, cmd: TicketUpdate, now: datetime
) -> _Change:
    given = cmd.model_fields_set
    columns: dict[str, Any] = {
        name: getattr(cmd, name)
        for name in PLAIN_FIELDS
        if name in given and getattr(cmd, name) != getattr(ticket, name)
    }
    if "requester_id" in columns and actor.is_requester:
        raise Forbidden("requesters cannot hand their ticket to someone else")
    await _check_directory(
        uow, actor, {k: columns.get(k) for k in ("requester_id", *LINKS)}
    )
    if "map_pin" in given:
        pin = cmd.map_pin
        columns["latitude"] = pin.latitude if pin else None
        columns["longitude"] = pin.longitude if pin else None
    if cmd.status is not None:
        columns.update(status_stamps(ticket, cmd.status, actor.user_id, now))
    change = _Change(columns)
    if given & {"topic_id", "sub_topic_id"}:
        topic_id = cmd.topic_id if "topic_id" in given else ticket.topic_id
        sub_default = ticket.sub_topic_id if topic_id == ticket.topic_id else None
        sub_topic_id = cmd.sub_topic_id if "sub_topic_id" in given else sub_default
        change.default_sla_id = await _check_topics(
            uow, actor.tenant_id, topic_id, sub_topic_id, current=ticket
        )
        if (topic_id, sub_topic_id) != (ticket.topic_id, ticket.sub_topic_id):
            columns.update(topic_id=topic_id, sub_topic_id=sub_topic_id)
    if "assignee" in given:
        assignees = tuple(
            await _primary_assignees(ticket.assignees, cmd.assignee, uow, actor)
        )
        if set(assignees) != set(ticket.assignees):
            change.assignees = assignees
    return change


def _diff(before: Ticket, after: Ticket) -> dict[str, dict[str, Any]]:
    fields = (
        *PLAIN_FIELDS,
        "status",
        "topic_id",
        "sub_topic_id",
        "latitude",
        "longitude",
        "resolved_at",
        "resolved_by",
        "closed_at",
        "closed_by",
    )
    diff = {
        f: {"before": plain(getattr(before, f)), "after": plain(getattr(after, f))}
        for f in fields
        if getattr(before, f) != getattr(after, f)
    }
    if set(before.assignees) != set(after.assignees):
        diff["assignees"] = {
            "before": plain(_assignee_list(before)),
            "after": plain(_assignee_list(after)),
        }
    return diff


def _assignee_list(ticket: Ticket) -> list[dict[str, Any]]:
    return [
        {"kind": a.kind.value, "id": a.id, "primary": a.primary}
        for a in ticket.assignees
    ]


def _change_events(
    before: Ticket,
    after: Ticket,
    actor: Actor,
    diff: dict[str, dict[str, Any]],
    default_sla_id: uuid.UUID | None,
) -> list[Any]:
    common = {
        "ticket_id": after.id,
        "reference": after.reference,
        "actor": event_actor(actor),
    }
    events: list[Any] = []
    plain_changes = {
        k: v
        for k, v in diff.items()
        if k in PLAIN_FIELDS or k in ("latitude", "longitude")
    }
    if plain_changes:
        events.append(
            v1.TicketUpdated(**common, changes=plain_changes, ticket=snapshot(after))
        )
    if before.status != after.status:
        events.append(
            v1.TicketStatusChanged(
                **common,
                from_status=before.status,
                to_status=after.status,
                changed_at=after.updated_at,
                requester_id=after.requester_id,
            )
        )
    if (before.topic_id, before.sub_topic_id) != (after.topic_id, after.sub_topic_id):
        events.append(
            v1.TicketTopicChanged(
                **common,
                from_topic_id=before.topic_id,
                from_sub_topic_id=before.sub_topic_id,
                topic_id=after.topic_id,
                sub_topic_id=after.sub_topic_id,
                default_sla_id=default_sla_id,
            )
        )
    if "assignees" in diff:
        events.append(
            v1.TicketAssigneesChanged(
                **common,
                primary=_event_assignee(after.primary_assignee),
                additional=[_event_assignee(a) for a in after.additional_assignees],
                previous_primary=_event_assignee(before.primary_assignee),
                previous_additional=[
                    _event_assignee(a) for a in before.additional_assignees
                ],
            )
        )
    return [envelope(e, after) for e in events]


def _event_assignee(a: Assignee | None) -> Any:
    return None if a is None else v1.Assignee(kind=a.kind, id=a.id)


def _created_changes(ticket: Ticket) -> dict[str, Any]:
    fields = (
        "reference",
        "subject",
        "description",
        "status",
        "priority",
        "topic_id",
        "sub_topic_id",
        "requester_id",
        *LINKS,
        "latitude",
        "longitude",
    )
    values = {f: getattr(ticket, f) for f in fields if getattr(ticket, f) is not None}
    if ticket.assignees:
        values["assignees"] = _assignee_list(ticket)
    return {k: {"before": None, "after": plain(v)} for k, v in values.items()}


def _audit(
    ticket: Ticket, actor: Actor, action: str, changes: dict[str, Any]
) -> dict[str, Any]:
    return {
        "tenant_id": ticket.tenant_id,
        "ticket_id": ticket.id,
        "at": ticket.updated_at,
        "actor_id": actor.user_id,
        "actor_kind": actor.kind.value,
        "action": action,
        "changes": changes,
    }


def _conditions(actor: Actor, filters: TicketFilters) -> list[Any]:
    conditions: list[Any] = []
    if actor.is_requester:
        conditions.append(
            (t.c.requester_id == actor.user_id) | (t.c.created_by_id == actor.user_id)
        )
    if filters.statuses:
        conditions.append(t.c.status.in_([s.value for s in filters.statuses]))
    if filters.priorities:
        conditions.append(t.c.priority.in_([p.value for p in filters.priorities]))
    if filters.topic_id is not None:
        conditions.append(t.c.topic_id == filters.topic_id)
    if filters.sub_topic_id is not None:
        conditions.append(t.c.sub_topic_id == filters.sub_topic_id)
    if filters.assigned_to_me:
        conditions.append(assigned_filter(actor.user_id, actor.team_ids))
    if filters.unassigned:
        conditions.append(unassigned_filter())
    return conditions


def _encode_cursor(ticket: Ticket) -> str:
    raw = f"{ticket.created_at.isoformat()}|{ticket.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, ticket_id = raw.split("|")
        return datetime.fromisoformat(created), uuid.UUID(ticket_id)
    except ValueError as exc:
        raise InvalidField("cursor", "not a cursor this list gave out") from exc
