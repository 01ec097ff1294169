"""Delivering an event's notices: resolve, render, record, send, settle.

Failure, on purpose:

- a template that will not render: logged, every delivery of the event marked
  ``failed`` with ``template: <reason>``, nothing sent, the event acknowledged;
- the directory unreachable, a mail server slow or failing: the deliveries that
  could not be made are ``retrying`` and ``DeliveryFailed`` asks the broker to
  redeliver the event later (its retry ladder, then the dead-letter queue); the
  deliveries already made are skipped on the next attempt;
- mail-ingest unreachable for a mail that invites a reply, with no reply address
  remembered for the tenant: ``ReplyAddressUnavailable`` before anything is
  claimed, so the event is retried whole;
- an address refused for good (5xx): ``failed``, not retried.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from desk_infra.templates import TemplateError, render_template

from desk_notifications.adapters.delivery_log import Claim, DeliveryLog, Outcome
from desk_notifications.adapters.smtp import PermanentRefusal
from desk_notifications.domain.addressing import address, compose
from desk_notifications.domain.errors import (
    DeliveryFailed,
    DeliveryInProgress,
    TemplateFailed,
)
from desk_notifications.domain.mail import OutgoingMail, Sender, build_email
from desk_notifications.domain.model import Audience, EventNotices, Message, Recipient

log = logging.getLogger(__name__)

Resolve = Callable[[str, Audience], Awaitable[list[Recipient]]]
Send = Callable[[OutgoingMail], Awaitable[None]]
ReplyAddress = Callable[[str], Awaitable[str | None]]
"""The tenant's mailbox that replies to the requester's notices should go to."""


def render(source: str, variables: Mapping[str, Any]) -> str:
    """The shared sandboxed engine, its errors in this service's terms."""
    try:
        return render_template(source, variables)
    except TemplateError as exc:
        raise TemplateFailed(exc.reason) from exc


@dataclass(frozen=True)
class MailIdentity:
    sender: Sender
    domain: str
    ticket_url: str
    """Format string with ``{ticket_id}``: where the portal shows a ticket."""


class Notifier:
    """Tells an event's audience, once per person and channel, however often asked."""

    def __init__(
        self,
        resolve: Resolve,
        log_: DeliveryLog,
        send: Send,
        identity: MailIdentity,
        message_ids: Callable[[Any], str],
        reply_address: ReplyAddress,
    ) -> None:
        self._resolve = resolve
        self._log = log_
        self._send = send
        self._identity = identity
        self._message_ids = message_ids
        self._reply_address = reply_address

    async def deliver(self, event: EventNotices) -> None:
        if not event.notices:
            return
        people = await self._people(event)
        directory = {p.user_id: p for p in people}
        pairs = address(event, people)
        if not pairs:
            return
        try:
            url = self._identity.ticket_url
            messages = [compose(event, n, p, directory, render, url) for n, p in pairs]
        except TemplateFailed as exc:
            log.error("template of %s does not render: %s", event.reference, exc)
            reached = [(p, n.kind.value) for n, p in pairs]
            await self._log.record_failure(event, reached, f"template: {exc}")
            return
        reply_to = await self._reply_to(event, messages)
        await self._record_and_send(event, messages, reply_to)

    async def _people(self, event: EventNotices) -> list[Recipient]:
        """The directory's people of the event, and the external requester."""
        found = await self._resolve(event.tenant_id, event.audience)
        external = event.external_requester
        # A new list: the directory may hand out the list it caches.
        return [*found, external] if external is not None else found

    async def _reply_to(
        self, event: EventNotices, messages: list[Message]
    ) -> str | None:
        """The tenant's reply address, asked only when a mail invites a reply."""
        if any(m.invites_reply and m.recipient.email for m in messages):
            return await self._reply_address(event.tenant_id)
        return None

    async def _record_and_send(
        self, event: EventNotices, messages: list[Message], reply_to: str | None
    ) -> None:
        claims, busy = await self._log.record_inbox_and_claim_email(
            event, messages, self._message_ids
        )
        outcomes = await asyncio.gather(
            *(self._mail(event, c, reply_to) for c in claims)
        )
        await self._log.settle(event.event_id, outcomes)

        retrying = [o for o in outcomes if o.status == "retrying"]
        if retrying:
            raise DeliveryFailed(
                f"{len(retrying)} of {len(outcomes)} emails failed, first: "
                f"{retrying[0].error}"
            )
        if busy:
            raise DeliveryInProgress(f"another worker is sending to {busy}")

    async def _mail(
        self, event: EventNotices, claim: Claim, reply_to: str | None
    ) -> Outcome:
        person = claim.message.recipient.user_id
        email = build_email(
            claim.message,
            ticket_id=event.ticket_id,
            reference=event.reference,
            sender=self._identity.sender,
            domain=self._identity.domain,
            message_id=claim.message_id,
            reply_to=reply_to if claim.message.invites_reply else None,
        )
        try:
            await self._send(email)
        except PermanentRefusal as exc:
            log.error("mail to %s refused for good: %s", person, exc)
            return Outcome(person, "failed", str(exc))
        except DeliveryFailed as exc:
            log.warning("mail to %s failed, will retry: %s", person, exc)
            return Outcome(person, "retrying", str(exc))
        log.info("mailed %s about %s", claim.message.kind.value, event.reference)
        return Outcome(person, "sent")
