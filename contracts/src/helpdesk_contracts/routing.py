"""Exchange, queue and routing-key names: the one place they are spelled."""

EVENTS_EXCHANGE = "helpdesk.events"
"""Topic exchange of every domain event; keys are ``<aggregate>.<fact>.v<N>``."""

DEAD_LETTER_EXCHANGE = "helpdesk.dlx"
"""Direct exchange; a consumer queue's failures land in ``<queue>.dlq``."""

ESCALATIONS_EXCHANGE = "helpdesk.escalations.public"
"""Topic exchange other tenants' desks consume; keys ``tenant.<id>.<fact>.v<N>``."""

UNROUTED_EXCHANGE = "helpdesk.unrouted"
"""Alternate exchange: events no consumer is bound for are kept, not dropped."""

TICKET_EVENTS = "ticket.#"
TEAM_EVENTS = "team.#"
SLA_EVENTS = "sla.#"
SLA_POINTS = ("sla.warning.*", "sla.breached.*")
MAIL_EVENTS = "mail.#"


def dead_letter_queue(queue: str) -> str:
    return f"{queue}.dlq"


def retry_queue(queue: str, delay_seconds: int) -> str:
    return f"{queue}.retry.{delay_seconds}s"


def queue_name(service: str, purpose: str) -> str:
    """Consumer queues are owned by one service: ``<service>.<purpose>``."""
    return f"{service}.{purpose}"
