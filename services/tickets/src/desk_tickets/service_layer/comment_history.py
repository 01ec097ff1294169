"""What comments and attachments leave behind: audit entries and events.

Neither changes the ticket itself, so its version stays as it was: the events
carry the version of the ticket they were added to, and consumers must not take
them for stale ticket changes on that account.
"""

from datetime import datetime
from typing import Any

from helpdesk_contracts import Envelope
from helpdesk_contracts.tickets import v1

from desk_tickets.domain.access import Actor
from desk_tickets.domain.comments import Attachment, Comment
from desk_tickets.domain.model import Ticket
from desk_tickets.service_layer.views import envelope, event_actor, plain


def comment_fields(comment: Comment) -> dict[str, Any]:
    return {
        "id": str(comment.id),
        "body": comment.body,
        "internal": comment.internal,
        "mentions": list(comment.mentions),
        "channel": comment.channel.value,
        "attachments": [str(a.id) for a in comment.attachments],
    }


def attachment_fields(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": str(attachment.id),
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "comment_id": plain(attachment.comment_id),
    }


def audit_row(
    actor: Actor,
    ticket: Ticket,
    at: datetime,
    action: str,
    change: tuple[str, dict[str, Any] | None, dict[str, Any] | None],
    *,
    internal: bool,
) -> dict[str, Any]:
    """One audit entry; ``change`` is (what, before, after)."""
    what, before, after = change
    return {
        "tenant_id": ticket.tenant_id,
        "ticket_id": ticket.id,
        "at": at,
        "actor_id": actor.user_id,
        "actor_kind": actor.kind.value,
        "action": action,
        "changes": {what: {"before": before, "after": after}},
        "internal": internal,
    }


def event_attachment(attachment: Attachment) -> v1.CommentAttachment:
    return v1.CommentAttachment(
        id=attachment.id,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size,
    )


def comment_added(actor: Actor, ticket: Ticket, comment: Comment) -> Envelope[Any]:
    event = v1.TicketCommentAdded(
        ticket_id=ticket.id,
        reference=ticket.reference,
        actor=event_actor(actor),
        comment_id=comment.id,
        author=v1.Actor(id=comment.author_id, kind=comment.author_kind),
        body=comment.body,
        internal=comment.internal,
        mentions=list(comment.mentions),
        attachments=[event_attachment(a) for a in comment.attachments],
        requester_id=ticket.requester_id,
        requester_email=ticket.requester_email,
        requester_name=ticket.requester_name,
        subject=ticket.subject,
        channel=comment.channel,
        created_at=comment.created_at,
    )
    return envelope(event, ticket)


def comment_deleted(
    actor: Actor, ticket: Ticket, comment: Comment, at: datetime
) -> Envelope[Any]:
    event = v1.TicketCommentDeleted(
        ticket_id=ticket.id,
        reference=ticket.reference,
        actor=event_actor(actor),
        comment_id=comment.id,
        internal=comment.internal,
        deleted_at=at,
    )
    return envelope(event, ticket)


def attachment_added(
    actor: Actor, ticket: Ticket, attachment: Attachment
) -> Envelope[Any]:
    event = v1.TicketAttachmentAdded(
        ticket_id=ticket.id,
        reference=ticket.reference,
        actor=event_actor(actor),
        attachment=event_attachment(attachment),
        comment_id=attachment.comment_id,
        internal=attachment.internal,
    )
    return envelope(event, ticket)


def attachment_deleted(
    actor: Actor, ticket: Ticket, attachment: Attachment
) -> Envelope[Any]:
    event = v1.TicketAttachmentDeleted(
        ticket_id=ticket.id,
        reference=ticket.reference,
        actor=event_actor(actor),
        attachment_id=attachment.id,
        comment_id=attachment.comment_id,
        internal=attachment.internal,
    )
    return envelope(event, ticket)


def files_added(
    actor: Actor, ticket: Ticket, files: list[Attachment], at: datetime
) -> tuple[list[dict[str, Any]], list[Envelope[Any]]]:
    """The audit entries and events of newly attached files."""
    rows = [
        audit_row(
            actor,
            ticket,
            at,
            "attachment_added",
            ("attachment", None, attachment_fields(a)),
            internal=a.internal,
        )
        for a in files
    ]
    return rows, [attachment_added(actor, ticket, a) for a in files]


def files_removed(
    actor: Actor, ticket: Ticket, files: list[Attachment], at: datetime
) -> tuple[list[dict[str, Any]], list[Envelope[Any]]]:
    """The audit entries and events of removed files."""
    rows = [
        audit_row(
            actor,
            ticket,
            at,
            "attachment_deleted",
            ("attachment", attachment_fields(a), None),
            internal=a.internal,
        )
        for a in files
    ]
    return rows, [attachment_deleted(actor, ticket, a) for a in files]
