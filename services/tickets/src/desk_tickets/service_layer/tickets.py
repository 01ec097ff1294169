"""Use cases on tickets: open, change, delete, read, and read the audit log."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from helpdesk_contracts.api.tickets import TicketCreate, TicketUpdate
from helpdesk_contracts.permissions import Permission
from helpdesk_contracts.tickets import v1
from helpdesk_contracts.vocabulary import (
    TicketChannel,
    TicketStatus,
)
from sqlalchemy import Row

from desk_tickets.domain import access
from desk_tickets.domain.access import Actor
from desk_tickets.domain.comments import sees_internal
from desk_tickets.domain.errors import Forbidden, NotFound, require_version
from desk_tickets.domain.model import (
    REFERENCE_PREFIX,
    Assignee,
    Ticket,
    status_stamps,
)
from desk_tickets.service_layer.ticket_checks import (
    check_directory,
    check_place,
    check_topics,
    links,
    primary_assignees,
    requester_for,
)
from desk_tickets.service_layer.ticket_edits import ticket_for_edit
from desk_tickets.service_layer.ticket_history import (
    LINKS,
    PLAIN_FIELDS,
    audit_entry,
    change_events,
    created_changes,
    diff,
)
from desk_tickets.service_layer.unit_of_work import UnitOfWork
from desk_tickets.service_layer.views import envelope, event_actor, plain, snapshot


def _now() -> datetime:
    return datetime.now(UTC)


async def open_ticket(uow: UnitOfWork, actor: Actor, cmd: TicketCreate) -> Ticket:
    """Log a new ticket, for the caller or, by an operator, on a requester's behalf.

    Checks run first; then one statement numbers and writes the ticket, its audit
    entry and its event, so the tenant's counter is locked only while it runs.
    """
    access.require_create(actor)
    requester_id = requester_for(actor, cmd.requester_id)
    now = _now()
    placeholder = f"{REFERENCE_PREFIX}-PENDING-{uuid.uuid4().hex}"
    pin = cmd.map_pin.latitude if cmd.map_pin else None
    check_place(cmd.location_id, pin, "map_pin")
    async with uow.autocommit() as work:
        await check_directory(work, actor, {"requester_id": requester_id, **links(cmd)})
        default_sla_id = await check_topics(
            work, actor.tenant_id, cmd.topic_id, cmd.sub_topic_id, current=None
        )
        assignees = await primary_assignees((), cmd.assignee, work, actor)
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
            audit_changes=created_changes(ticket),
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
        actor, ticket = await ticket_for_edit(uow, actor, ticket_id, if_match)
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
        changes = diff(ticket, changed)
        await uow.audit.record([audit_entry(changed, actor, "updated", changes)])
        uow.publish(
            *change_events(ticket, changed, actor, changes, change.default_sla_id)
        )
        await uow.commit()
    return changed


async def delete_ticket(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: uuid.UUID,
    if_match: frozenset[int] | None = None,
) -> None:
    access.require_delete(actor)
    now = _now()
    async with uow:
        ticket = await _visible_ticket(uow, actor, ticket_id, for_update=True)
        require_version("ticket", ticket.version, if_match)
        deleted = ticket.with_changes(version=ticket.version + 1, updated_at=now)
        await uow.tickets.mark_deleted(ticket.id, now, deleted.version)
        gone = {"deleted_at": {"before": None, "after": plain(now)}}
        await uow.audit.record([audit_entry(deleted, actor, "deleted", gone)])
        event = v1.TicketDeleted(
            ticket_id=ticket.id,
            reference=ticket.reference,
            actor=event_actor(actor),
            deleted_at=now,
        )
        uow.publish(envelope(event, deleted))
        await uow.commit()


async def ticket_audit(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: uuid.UUID,
    *,
    newest_first: bool,
    after: int | None,
    limit: int,
) -> tuple[list[Row[Any]], int]:
    """A page of the entries the caller may see, and how many there are in all
    (counted exactly: a ticket's history runs to tens of entries, not millions)."""
    shown = sees_internal(actor)
    async with uow:
        # Whoever may delete tickets may still read what a deleted one went through.
        deleted = actor.has(Permission.REQUEST_DELETE_ALL) and not actor.is_requester
        ticket = await uow.tickets.get(actor.tenant_id, ticket_id, deleted=deleted)
        if ticket is None or not access.can_view(actor, ticket):
            raise NotFound("ticket", ticket_id)
        rows = await uow.audit.page(
            ticket_id,
            newest_first=newest_first,
            after=after,
            limit=limit,
            include_internal=shown,
        )
        return rows, await uow.audit.count(ticket_id, include_internal=shown)


# --- helpers ---------------------------------------------------------------------


async def _visible_ticket(
    uow: UnitOfWork, actor: Actor, ticket_id: uuid.UUID, *, for_update: bool = False
) -> Ticket:
    ticket = await uow.tickets.get(actor.tenant_id, ticket_id, for_update=for_update)
    if ticket is None or not access.can_view(actor, ticket):
        raise NotFound("ticket", ticket_id)
    return ticket


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
    await check_directory(
        uow, actor, {k: columns.get(k) for k in ("requester_id", *LINKS)}
    )
    if "map_pin" in given:
        pin = cmd.map_pin
        columns["latitude"] = pin.latitude if pin else None
        columns["longitude"] = pin.longitude if pin else None
    if given & {"map_pin", "location_id"}:
        check_place(
            columns.get("location_id", ticket.location_id),
            columns.get("latitude", ticket.latitude),
            "map_pin" if "map_pin" in given else "location_id",
        )
    if cmd.status is not None:
        columns.update(status_stamps(ticket, cmd.status, actor.user_id, now))
    change = _Change(columns)
    if given & {"topic_id", "sub_topic_id"}:
        topic_id = cmd.topic_id if "topic_id" in given else ticket.topic_id
        sub_default = ticket.sub_topic_id if topic_id == ticket.topic_id else None
        sub_topic_id = cmd.sub_topic_id if "sub_topic_id" in given else sub_default
        change.default_sla_id = await check_topics(
            uow, actor.tenant_id, topic_id, sub_topic_id, current=ticket
        )
        if (topic_id, sub_topic_id) != (ticket.topic_id, ticket.sub_topic_id):
            columns.update(topic_id=topic_id, sub_topic_id=sub_topic_id)
    if "assignee" in given:
        assignees = tuple(
            await primary_assignees(ticket.assignees, cmd.assignee, uow, actor)
        )
        if set(assignees) != set(ticket.assignees):
            change.assignees = assignees
    return change
