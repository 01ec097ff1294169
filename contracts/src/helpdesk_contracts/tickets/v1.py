"""Ticket events, version 1: keys ``ticket.<fact>.v1`` on ``helpdesk.events``."""

import uuid
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict

from helpdesk_contracts.envelope import EventData
from helpdesk_contracts.vocabulary import (
    ActorKind,
    AssigneeKind,
    Priority,
    TicketChannel,
    TicketStatus,
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Actor(_Model):
    """Who caused the event: a portal user id, or a service name for the system."""

    id: str
    kind: ActorKind


class Assignee(_Model):
    kind: AssigneeKind
    id: str


class MapPin(_Model):
    latitude: float
    longitude: float


class TicketSnapshot(_Model):
    """The whole ticket as it stands after the event."""

    id: uuid.UUID
    reference: str
    subject: str
    description: str
    status: TicketStatus
    priority: Priority
    channel: TicketChannel = TicketChannel.PORTAL
    topic_id: uuid.UUID | None = None
    sub_topic_id: uuid.UUID | None = None
    requester_id: str | None = None
    requester_email: str | None = None
    """The address of a requester the directory does not know (``requester_id``
    empty): a ticket opened by mail from an unknown sender. Told by email."""
    requester_name: str | None = None
    """That sender's display name, when their mail gave one."""
    created_by: Actor
    member_id: str | None = None
    customer_id: str | None = None
    location_id: str | None = None
    map_pin: MapPin | None = None
    primary_assignee: Assignee | None = None
    additional_assignees: list[Assignee] = []
    tags: list[str] = []
    created_at: AwareDatetime
    updated_at: AwareDatetime
    resolved_at: AwareDatetime | None = None
    resolved_by: str | None = None
    closed_at: AwareDatetime | None = None
    closed_by: str | None = None
    version: int


class _TicketEvent(EventData):
    aggregate_type: ClassVar[str] = "ticket"

    ticket_id: uuid.UUID
    reference: str
    actor: Actor


class TicketCreated(_TicketEvent):
    """A ticket was opened; ``default_sla_id`` is the SLA its topic attaches."""

    event_type: ClassVar[str] = "ticket.created.v1"

    ticket: TicketSnapshot
    default_sla_id: uuid.UUID | None = None


class FieldChange(_Model):
    before: Any = None
    after: Any = None


class TicketUpdated(_TicketEvent):
    """Plain fields changed (subject, description, priority, links)."""

    event_type: ClassVar[str] = "ticket.updated.v1"

    changes: dict[str, FieldChange]
    ticket: TicketSnapshot


class TicketStatusChanged(_TicketEvent):
    event_type: ClassVar[str] = "ticket.status_changed.v1"

    from_status: TicketStatus
    to_status: TicketStatus
    changed_at: AwareDatetime
    requester_id: str | None = None
    subject: str = ""
    """The ticket's subject, for notices; empty from producers before it existed."""
    requester_email: str | None = None
    """Where to reach a requester the directory does not know (see the snapshot)."""
    requester_name: str | None = None


class TicketTopicChanged(_TicketEvent):
    """The topic or sub-topic changed; ``default_sla_id`` is the default SLA now."""

    event_type: ClassVar[str] = "ticket.topic_changed.v1"

    from_topic_id: uuid.UUID | None = None
    from_sub_topic_id: uuid.UUID | None = None
    topic_id: uuid.UUID | None = None
    sub_topic_id: uuid.UUID | None = None
    default_sla_id: uuid.UUID | None = None


class TicketAssigneesChanged(_TicketEvent):
    event_type: ClassVar[str] = "ticket.assignees_changed.v1"

    primary: Assignee | None = None
    additional: list[Assignee] = []
    previous_primary: Assignee | None = None
    previous_additional: list[Assignee] = []
    subject: str = ""
    """The ticket's subject, for notices; empty from producers before it existed."""


class TicketDeleted(_TicketEvent):
    event_type: ClassVar[str] = "ticket.deleted.v1"

    deleted_at: AwareDatetime


class CommentAttachment(_Model):
    id: uuid.UUID
    filename: str
    content_type: str
    size: int


class TicketCommentAdded(_TicketEvent):
    """A reply or an internal note; ``mentions`` are user ids of the tenant.

    Consumers that speak to requesters must drop events whose ``internal`` is true.
    """

    event_type: ClassVar[str] = "ticket.comment_added.v1"

    comment_id: uuid.UUID
    author: Actor
    body: str
    internal: bool
    mentions: list[str] = []
    attachments: list[CommentAttachment] = []
    requester_id: str | None = None
    requester_email: str | None = None
    """Where to reach a requester the directory does not know (see the snapshot)."""
    requester_name: str | None = None
    subject: str
    channel: TicketChannel = TicketChannel.PORTAL
    created_at: AwareDatetime


class TicketCommentDeleted(_TicketEvent):
    event_type: ClassVar[str] = "ticket.comment_deleted.v1"

    comment_id: uuid.UUID
    internal: bool
    deleted_at: AwareDatetime


class TicketAttachmentAdded(_TicketEvent):
    """A file attached to the ticket, or to a comment when ``comment_id`` is set."""

    event_type: ClassVar[str] = "ticket.attachment_added.v1"

    attachment: CommentAttachment
    comment_id: uuid.UUID | None = None
    internal: bool = False


class TicketAttachmentDeleted(_TicketEvent):
    event_type: ClassVar[str] = "ticket.attachment_deleted.v1"

    attachment_id: uuid.UUID
    comment_id: uuid.UUID | None = None
    internal: bool = False


TICKET_EVENTS: tuple[type[_TicketEvent], ...] = (
    TicketCreated,
    TicketUpdated,
    TicketStatusChanged,
    TicketTopicChanged,
    TicketAssigneesChanged,
    TicketDeleted,
    TicketCommentAdded,
    TicketCommentDeleted,
    TicketAttachmentAdded,
    TicketAttachmentDeleted,
)
