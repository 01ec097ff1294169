"""What a change to a ticket leaves behind: its audit entry and its events."""

import uuid
from typing import Any

from helpdesk_contracts.tickets import v1

from desk_tickets.domain.access import Actor
from desk_tickets.domain.model import Assignee, Ticket
from desk_tickets.service_layer.views import envelope, event_actor, plain, snapshot

LINKS = {"member_id": "members", "customer_id": "customers", "location_id": "locations"}
PLAIN_FIELDS = ("subject", "description", "priority", "requester_id", *LINKS)


def diff(before: Ticket, after: Ticket) -> dict[str, dict[str, Any]]:
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
        "tags",
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


def change_events(
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
        if k in PLAIN_FIELDS or k in ("latitude", "longitude", "tags")
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
                subject=after.subject,
                requester_email=after.requester_email,
                requester_name=after.requester_name,
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
                subject=after.subject,
            )
        )
    return [envelope(e, after) for e in events]


def _event_assignee(a: Assignee | None) -> Any:
    return None if a is None else v1.Assignee(kind=a.kind, id=a.id)


def created_changes(ticket: Ticket) -> dict[str, Any]:
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
    if ticket.tags:
        values["tags"] = list(ticket.tags)
    if ticket.assignees:
        values["assignees"] = _assignee_list(ticket)
    return {k: {"before": None, "after": plain(v)} for k, v in values.items()}


def audit_entry(
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
