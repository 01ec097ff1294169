"""What each consumed event asks to be told, and to whom (no I/O here)."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from helpdesk_contracts import Envelope
from helpdesk_contracts.sla.v1 import SlaBreached, SlaWarning
from helpdesk_contracts.tickets.v1 import (
    Assignee,
    TicketAssigneesChanged,
    TicketCommentAdded,
    TicketStatusChanged,
)
from helpdesk_contracts.vocabulary import ActorKind, AssigneeKind, TicketStatus

from desk_notifications.domain import wording
from desk_notifications.domain.addressing import external_requester
from desk_notifications.domain.model import (
    Audience,
    EventNotices,
    Notice,
    NoticeKind,
    Recipient,
)

REQUESTER_STATUSES = frozenset(
    {TicketStatus.PENDING, TicketStatus.RESOLVED, TicketStatus.CLOSED}
)
"""Statuses a requester is told about: we wait for them, or their request is done."""


def _ticket(
    reference: str, ticket_id: uuid.UUID, subject: str, **more: Any
) -> dict[str, Any]:
    return {"id": str(ticket_id), "reference": reference, "subject": subject, **more}


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _words(span: timedelta) -> str:
    """A duration as people say it: ``2 hours 5 minutes``, ``less than a minute``."""
    minutes = max(int(span.total_seconds() // 60), 0)
    if minutes == 0:
        return "less than a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    return " ".join(f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n)


def _remaining(event: SlaWarning | SlaBreached, breach_at: datetime) -> timedelta:
    """Business time left to the breach as the clock counts it; wall-clock time
    from events that do not carry it."""
    if event.remaining_seconds is not None:
        return timedelta(seconds=event.remaining_seconds)
    return breach_at - event.fired_at


def _audience_of(assignees: list[Assignee]) -> Audience:
    users = {a.id for a in assignees if a.kind is AssigneeKind.USER}
    teams = {a.id for a in assignees if a.kind is AssigneeKind.TEAM}
    return Audience(frozenset(users), frozenset(teams))


def _requester(
    event: TicketCommentAdded | TicketStatusChanged,
) -> tuple[str | None, Recipient | None]:
    """Who the requester's notices go to (a directory user, else the external
    requester's id) and that external requester, if it is one."""
    external = external_requester(
        event.requester_id, event.requester_email, event.requester_name
    )
    if external is not None:
        return external.user_id, external
    return event.requester_id, None


def _frame(envelope: Envelope[Any], notices: list[Notice], **kw: Any) -> EventNotices:
    data = envelope.data
    return EventNotices(
        event_id=envelope.id,
        tenant_id=envelope.tenantid,
        ticket_id=data.ticket_id,
        reference=data.reference,
        notices=tuple(notices),
        **kw,
    )


def sla_point_notices(envelope: Envelope[SlaWarning | SlaBreached]) -> EventNotices:
    """The definition's template, to its listed users and the assignees it names."""
    event = envelope.data
    targets: list[Assignee] = []
    if event.notify.all_assignees:
        primary = [event.primary_assignee] if event.primary_assignee else []
        targets += primary + event.additional_assignees
    elif event.notify.primary_assignee and event.primary_assignee is not None:
        targets.append(event.primary_assignee)
    audience = _audience_of(targets)
    audience = Audience(audience.users | set(event.notify.users), audience.teams)
    point = event.point.value
    breach_at = event.breach_due_at or event.due_at
    breached = point == "breach"
    variables = {
        "ticket": _ticket(
            event.reference,
            event.ticket_id,
            subject=event.subject,
            status=_label(event.status.value),
            priority=_label(event.priority.value),
        ),
        "sla": {
            "name": event.definition_name,
            "point": point,
            "due_at": _utc(event.due_at),
            "breach_due_at": _utc(breach_at),
            "fired_at": _utc(event.fired_at),
            "colour": event.colour,
            "remaining": "" if breached else _words(_remaining(event, breach_at)),
            "overdue": _words(event.fired_at - event.due_at) if breached else "",
        },
    }
    kind = NoticeKind.SLA_BREACH if point == "breach" else NoticeKind.SLA_WARNING
    notice = Notice(
        kind=kind,
        audience=audience,
        title_template=wording.SLA_TITLE[point],
        body_template=event.message_template or wording.SLA_FALLBACK_BODY,
        variables=variables,
    )
    return _frame(envelope, [notice], requester_id=event.requester_id)


def comment_notices(envelope: Envelope[TicketCommentAdded]) -> EventNotices:
    """An operator's public reply to the requester; mentions to the mentioned."""
    event = envelope.data
    variables = {
        "ticket": _ticket(event.reference, event.ticket_id, subject=event.subject),
        "comment": {
            "id": str(event.comment_id),
            "body": event.body,
            "internal": event.internal,
        },
    }
    notices: list[Notice] = []
    excluded = {event.author.id}
    requester, external = _requester(event)
    public_reply = not event.internal and event.author.kind is ActorKind.OPERATOR
    if public_reply and requester:
        notices.append(
            Notice(
                kind=NoticeKind.PUBLIC_REPLY,
                audience=Audience(users=frozenset({requester})),
                title_template=wording.REPLY_TITLE,
                body_template=wording.REPLY_BODY,
                variables=variables,
                automatic=False,
                invites_reply=True,
            )
        )
    if event.internal and requester:
        excluded.add(requester)  # an internal note never reaches them
    if event.mentions:
        notices.append(_mentioned(event, variables))
    return _frame(
        envelope,
        notices,
        excluded=frozenset(excluded),
        actor_id=event.author.id,
        requester_id=event.requester_id,
        external_requester=external,
    )


def _mentioned(event: TicketCommentAdded, variables: dict[str, Any]) -> Notice:
    """The mentioned users' notice; an internal note's is without its text.

    The desk cannot tell whether a mentioned operator's token carries
    ``support:internal``, so the note is left on the ticket for the portal to
    show to those who may read it.
    """
    if event.internal:
        comment = {k: v for k, v in variables["comment"].items() if k != "body"}
        variables = {**variables, "comment": comment}
    return Notice(
        kind=NoticeKind.MENTION,
        audience=Audience(users=frozenset(event.mentions)),
        title_template=wording.MENTION_TITLE,
        body_template=wording.NOTE_MENTION_BODY
        if event.internal
        else wording.MENTION_BODY,
        variables=variables,
    )


def assignment_notices(envelope: Envelope[TicketAssigneesChanged]) -> EventNotices:
    """The newly added assignees, users and teams, as primary or additional."""
    event = envelope.data
    before = set(event.previous_additional)
    if event.previous_primary is not None:
        before.add(event.previous_primary)
    notices: list[Notice] = []
    if event.primary is not None and event.primary not in before:
        notices.append(_assigned(event, [event.primary], "primary"))
    added = [a for a in event.additional if a not in before and a != event.primary]
    if added:
        notices.append(_assigned(event, added, "additional"))
    return _frame(
        envelope,
        notices,
        excluded=frozenset({event.actor.id}),
        actor_id=event.actor.id,
    )


def _assigned(
    event: TicketAssigneesChanged, assignees: list[Assignee], role: str
) -> Notice:
    return Notice(
        kind=NoticeKind.ASSIGNED,
        audience=_audience_of(assignees),
        title_template=wording.ASSIGNED_TITLE,
        body_template=wording.ASSIGNED_BODY,
        variables={
            "ticket": _ticket(event.reference, event.ticket_id, subject=event.subject),
            "role": role,
        },
    )


def status_notices(envelope: Envelope[TicketStatusChanged]) -> EventNotices:
    """The requester, when their request waits for them or is done."""
    event = envelope.data
    notices: list[Notice] = []
    requester, external = _requester(event)
    if event.to_status in REQUESTER_STATUSES and requester:
        labels = wording.STATUS_LABELS
        notices.append(
            Notice(
                kind=NoticeKind.STATUS_CHANGED,
                audience=Audience(users=frozenset({requester})),
                title_template=wording.STATUS_TITLE,
                body_template=wording.STATUS_BODY,
                variables={
                    "ticket": _ticket(
                        event.reference,
                        event.ticket_id,
                        subject=event.subject,
                        status=event.to_status.value,
                    ),
                    "status": {
                        "from": event.from_status.value,
                        "to": event.to_status.value,
                        "from_label": labels[event.from_status.value],
                        "to_label": labels[event.to_status.value],
                    },
                },
                invites_reply=True,
            )
        )
    return _frame(
        envelope,
        notices,
        excluded=frozenset({event.actor.id}),
        actor_id=event.actor.id,
        requester_id=event.requester_id,
        external_requester=external,
    )
