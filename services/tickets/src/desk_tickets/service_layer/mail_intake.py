"""Inbound mail (``mail.received.v1``) becomes a ticket, or a comment on one.

A message threads onto a ticket when it names a Message-ID the desk sent (the
event's ``ticket_id``) or carries the ticket's reference in its subject; otherwise
it opens a ticket on the ``email`` channel whose description is the whole text
prefixed ``[Created from email]``. The sender is matched to the tenant's directory
users by address; an unknown sender leaves the requester empty and is recorded in
the audit entry (``from_address``), on the ticket (``requester_email`` and
``requester_name``, so notices can answer them by mail) and, on a comment, in its
first line.

A reply from the ticket's requester (the directory user, or the unknown sender
recorded on it) to a ticket that is Pending, Resolved or Closed sets it back to
Open, as a status change through the API would, acting as that requester (or as
``mail``): audit entry, status stamps and ``ticket.status_changed`` alike. Anyone
else's reply only adds the comment.

A new ticket, its files, its events and the inbox row are written in one
transaction. A comment goes through :func:`.comments.add_comment`, which owns its
transaction; its id is derived from the mail's, so a redelivery posts nothing twice.
A reopening is written with the inbox row of its event, so it happens once.
"""

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from desk_infra.inbox import first_delivery
from helpdesk_contracts import Envelope
from helpdesk_contracts.api.tickets import TicketCreate
from helpdesk_contracts.mail.v1 import MailReceived
from helpdesk_contracts.permissions import Permission
from helpdesk_contracts.tickets import v1
from helpdesk_contracts.vocabulary import (
    ActorKind,
    Priority,
    TicketChannel,
    TicketStatus,
)
from sqlalchemy import func, select

from desk_tickets.adapters.tables import directory, inbox
from desk_tickets.domain.access import Actor
from desk_tickets.domain.comments import StoredFile
from desk_tickets.domain.errors import InvalidField, NotFound
from desk_tickets.domain.model import REFERENCE_PREFIX, Ticket, status_stamps
from desk_tickets.service_layer import comment_history
from desk_tickets.service_layer.comments import add_comment, attached
from desk_tickets.service_layer.ticket_checks import check_topics
from desk_tickets.service_layer.ticket_edits import record_edit
from desk_tickets.service_layer.ticket_history import created_changes
from desk_tickets.service_layer.unit_of_work import UnitOfWork
from desk_tickets.service_layer.views import envelope, event_actor, snapshot

log = logging.getLogger(__name__)

CONSUMER = "tickets.mail"
CREATED_PREFIX = "[Created from email]"
MAIL_ACTOR_ID = "mail"
"""Who opened a ticket from a sender the directory does not know."""
NO_SUBJECT = "(no subject)"
NO_TEXT = "(no text)"
MAX_COMMENT = 150_000
"""Characters of a reply kept in its comment (comments take at most 200,000)."""
MAX_NAME = 255
"""Characters of an unknown sender's display name kept on the ticket."""
_MAIL_COMMENTS = uuid.UUID("5b1f4f1e-8f55-4b43-9a57-6d0c2f1b7a10")
"""Namespace of comment ids derived from mail ids."""
REOPENED_BY_REPLY = frozenset(
    {TicketStatus.PENDING, TicketStatus.RESOLVED, TicketStatus.CLOSED}
)
"""Statuses the requester's reply by mail sets back to Open."""
_MAIL_PERMISSIONS = frozenset(
    {Permission.COMMENT_CREATE.value, Permission.REQUEST_UPDATE_ALL.value}
)


class MailUnitOfWork(UnitOfWork):
    """The tickets unit of work, with the inbox and the directory's address lookup."""

    async def first_delivery(self, message_id: uuid.UUID) -> bool:
        assert self._conn is not None
        return await first_delivery(self._conn, inbox, CONSUMER, message_id)

    async def user_with_email(self, tenant_id: str, address: str) -> str | None:
        """The active directory user with this address (any letter case), if one."""
        assert self._conn is not None
        if not address:
            return None
        statement = (
            select(directory.c.id)
            .where(
                directory.c.tenant_id == tenant_id,
                func.lower(directory.c.email) == address.lower(),
                directory.c.kind == "users",
                directory.c.active,
            )
            .order_by(directory.c.id)
            .limit(1)
        )
        return (await self._conn.execute(statement)).scalar_one_or_none()


async def take_in_mail(uow: MailUnitOfWork, event: Envelope[MailReceived]) -> None:
    """Apply one ``mail.received.v1``: a comment on its ticket, or a new ticket."""
    mail = event.data
    tenant_id = event.tenantid
    # One transaction reads the sender and the thread and, for a new ticket (most
    # mail), goes on to write it; a comment owns its transaction.
    async with uow:
        sender = await uow.user_with_email(tenant_id, mail.from_address)
        ticket = await _thread_of(uow, tenant_id, mail)
        if ticket is None:
            await _open_once(uow, event, sender)
            return
    await _comment(uow, sender, ticket, mail)
    if ticket.status in REOPENED_BY_REPLY and _from_requester(ticket, sender, mail):
        await _reopen_once(uow, event, sender, ticket.id)


async def _open_once(
    uow: MailUnitOfWork, event: Envelope[MailReceived], sender: str | None
) -> None:
    """Open the mail's ticket and commit, unless its event was taken in before."""
    mail = event.data
    if not await uow.first_delivery(event.id):
        log.info("mail %s already taken in", mail.mail_id)
        return
    actor = _actor(event.tenantid, sender)
    ticket = await _open_ticket(uow, actor, sender, mail)
    await uow.commit()
    log.info("mail %s opened %s", mail.mail_id, ticket.reference)


async def _comment(
    uow: UnitOfWork, sender: str | None, ticket: Ticket, mail: MailReceived
) -> None:
    """Post the reply's new text and files, as the sender if the desk knows them."""
    if sender is not None and sender in (ticket.requester_id, ticket.created_by_id):
        actor = Actor(
            ticket.tenant_id,
            sender,
            ActorKind.REQUESTER,
            frozenset({Permission.COMMENT_CREATE.value}),
        )
    else:
        actor = Actor(
            ticket.tenant_id,
            sender or MAIL_ACTOR_ID,
            ActorKind.SYSTEM,
            _MAIL_PERMISSIONS,
        )
    body = mail.body.strip()[:MAX_COMMENT] or NO_TEXT
    if sender is None:
        name = (
            f"{mail.from_name} <{mail.from_address}>"
            if mail.from_name
            else mail.from_address
        )
        body = f"[Email from {name or 'an unknown sender'}]\n\n{body}"
    comment = await add_comment(
        uow,
        actor,
        ticket.id,
        body,
        channel=TicketChannel.EMAIL,
        attachments=_files(mail),
        comment_id=uuid.uuid5(_MAIL_COMMENTS, str(mail.mail_id)),
    )
    log.info("mail %s commented %s on %s", mail.mail_id, comment.id, ticket.reference)


def _from_requester(ticket: Ticket, sender: str | None, mail: MailReceived) -> bool:
    """Whether the mail is from the ticket's requester, known or only by address."""
    if ticket.requester_id is not None:
        return sender == ticket.requester_id
    recorded = (ticket.requester_email or "").strip().lower()
    return bool(recorded) and recorded == mail.from_address.strip().lower()


async def _reopen_once(
    uow: MailUnitOfWork,
    event: Envelope[MailReceived],
    sender: str | None,
    ticket_id: uuid.UUID,
) -> None:
    """Set the ticket back to Open, unless the event did so before or it moved on."""
    actor = _actor(event.tenantid, sender)
    async with uow:
        ticket = await uow.tickets.get(actor.tenant_id, ticket_id, for_update=True)
        if ticket is None or ticket.status not in REOPENED_BY_REPLY:
            return
        if not await uow.first_delivery(event.id):
            return
        now = datetime.now(UTC)
        columns = status_stamps(ticket, TicketStatus.OPEN, actor.user_id, now)
        await record_edit(uow, actor, ticket, columns)
        await uow.commit()
    log.info("mail %s reopened %s", event.data.mail_id, ticket.reference)


def _files(mail: MailReceived) -> list[StoredFile]:
    """The mail's stored parts; ids derived from the blob keys, stable on redelivery."""
    return [
        StoredFile(
            blob_key=a.blob_key,
            filename=a.filename,
            content_type=a.content_type,
            size=a.size,
            id=uuid.uuid5(_MAIL_COMMENTS, f"{mail.mail_id}/{a.blob_key}"),
        )
        for a in mail.attachments
    ]


def _actor(tenant_id: str, sender: str | None) -> Actor:
    if sender is None:
        return Actor(tenant_id, MAIL_ACTOR_ID, ActorKind.SYSTEM)
    return Actor(tenant_id, sender, ActorKind.REQUESTER)


async def _thread_of(
    uow: UnitOfWork, tenant_id: str, mail: MailReceived
) -> Ticket | None:
    if mail.ticket_id is not None:
        ticket = await uow.tickets.get(tenant_id, mail.ticket_id)
        if ticket is not None:
            return ticket
    if mail.ticket_reference:
        return await uow.tickets.get_by_reference(
            tenant_id, mail.ticket_reference.upper()
        )
    return None


async def _open_ticket(
    uow: UnitOfWork, actor: Actor, sender: str | None, mail: MailReceived
) -> Ticket:
    default_sla_id, topic_id = await _topic(uow, actor.tenant_id, mail)
    ticket = _new_ticket(actor, sender, mail, topic_id)
    placeholder = ticket.reference
    created = v1.TicketCreated(
        ticket_id=ticket.id,
        reference=placeholder,
        actor=event_actor(actor),
        ticket=snapshot(ticket),
        default_sla_id=default_sla_id,
    )
    changes = created_changes(ticket) | {
        "from_address": mail.from_address,
        "from_name": mail.from_name,
        "mail_message_id": mail.message_id,
    }
    reference = await uow.tickets.add_numbered(
        ticket,
        placeholder=placeholder,
        audit_changes=changes,
        events=uow.event_rows([envelope(created, ticket)]),
    )
    ticket = ticket.with_changes(reference=reference)
    files = attached(actor, ticket, _files(mail), None, ticket.created_at)
    if files:
        await uow.attachments.add(files)
        rows, events = comment_history.files_added(
            actor, ticket, files, ticket.created_at
        )
        await uow.audit.record(rows)
        uow.publish(*events)
    return ticket


async def _topic(
    uow: UnitOfWork, tenant_id: str, mail: MailReceived
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """The mailbox's default topic and its SLA, or none if it is gone or inactive."""
    if await uow.tenants.get(tenant_id) is None:
        raise NotFound("tenant", tenant_id)
    try:
        sla = await check_topics(uow, tenant_id, mail.default_topic_id, None, None)
    except InvalidField as exc:
        log.warning("mailbox %s default topic ignored: %s", mail.mailbox, exc)
        return None, None
    return sla, mail.default_topic_id


def unknown_requester(
    sender: str | None, mail: MailReceived
) -> tuple[str | None, str | None]:
    """The address and name to answer a sender the directory does not know by."""
    address = mail.from_address.strip()
    if sender is not None or "@" not in address or len(address.split()) != 1:
        return None, None
    # One line: the name is shown, and written into the To header of notices.
    name = " ".join((mail.from_name or "").split())[:MAX_NAME]
    return address, name or None


def _new_ticket(
    actor: Actor, sender: str | None, mail: MailReceived, topic_id: uuid.UUID | None
) -> Ticket:
    now = datetime.now(UTC)
    text = (mail.full_body or mail.body).strip()
    subject = " ".join(mail.subject.split())[:255] or NO_SUBJECT
    fields: dict[str, Any] = {name: None for name in _OPTIONAL}
    requester_email, requester_name = unknown_requester(sender, mail)
    return Ticket(
        **fields,
        id=uuid.uuid4(),
        tenant_id=actor.tenant_id,
        reference=f"{REFERENCE_PREFIX}-PENDING-{uuid.uuid4().hex}",
        subject=subject,
        description=f"{CREATED_PREFIX}\n\n{text}".strip(),
        status=TicketStatus.OPEN,
        priority=TicketCreate.model_fields["priority"].default or Priority.MEDIUM,
        channel=TicketChannel.EMAIL,
        topic_id=topic_id,
        requester_id=sender,
        requester_email=requester_email,
        requester_name=requester_name,
        created_by_id=actor.user_id,
        created_by_kind=actor.kind,
        created_at=now,
        updated_at=now,
        version=1,
        assignees=(),
    )


_OPTIONAL = (
    "sub_topic_id",
    "member_id",
    "customer_id",
    "location_id",
    "latitude",
    "longitude",
    "resolved_at",
    "resolved_by",
    "closed_at",
    "closed_by",
)
