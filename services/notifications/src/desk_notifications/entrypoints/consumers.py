"""The events the workers consume: one quorum queue per event type.

Each subscriber parses, works out the notices (``service_layer.notices``) and hands
them to the ``Notifier``. A raised error is retried by the queue's ladder
(1 s, 10 s, 60 s), then dead-lettered to ``<queue>.dlq``.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from desk_infra.broker import ConsumerSpec, Handler
from helpdesk_contracts import Envelope
from helpdesk_contracts.envelope import EventData, envelope_of
from helpdesk_contracts.routing import queue_name
from helpdesk_contracts.sla.v1 import SlaBreached, SlaWarning
from helpdesk_contracts.tickets.v1 import (
    TicketAssigneesChanged,
    TicketCommentAdded,
    TicketStatusChanged,
)

from desk_notifications.config import SERVICE
from desk_notifications.domain.model import EventNotices
from desk_notifications.service_layer import notices

Deliver = Callable[[EventNotices], Awaitable[None]]


@dataclass(frozen=True)
class Consumer:
    spec: ConsumerSpec
    envelope: type[Envelope[Any]]
    notices: Callable[[Any], EventNotices]


def consumers(owner: str = SERVICE) -> tuple[Consumer, ...]:
    """The queues and what each means; their names start with ``owner``."""

    def consumer(
        purpose: str,
        event: type[EventData],
        notices_of: Callable[[Any], EventNotices],
    ) -> Consumer:
        spec = ConsumerSpec(queue_name(owner, purpose), (event.routing_key(),))
        return Consumer(spec, envelope_of(event), notices_of)

    return (
        consumer("sla-warnings", SlaWarning, notices.sla_point_notices),
        consumer("sla-breaches", SlaBreached, notices.sla_point_notices),
        consumer("ticket-comments", TicketCommentAdded, notices.comment_notices),
        consumer(
            "ticket-assignees", TicketAssigneesChanged, notices.assignment_notices
        ),
        consumer("ticket-statuses", TicketStatusChanged, notices.status_notices),
    )


def notify_about(consumer: Consumer, deliver: Deliver) -> Handler:
    """The handler of one queue: the event's notices, delivered."""

    async def notify(envelope: Envelope[Any]) -> None:
        await deliver(consumer.notices(envelope))

    notify.__name__ = f"notify_about_{consumer.spec.queue.replace('.', '_')}"
    return notify
