"""Every event type the desk publishes: the registry documents and tests iterate.

A new event module (one per aggregate and major version) adds its tuple here; the
AsyncAPI document, the schema snapshots and the contract tests then cover it.
"""

from typing import Any

from helpdesk_contracts.envelope import DataT, Envelope, EventData, envelope_of
from helpdesk_contracts.mail.v1 import MAIL_EVENTS as MAIL_EVENTS_V1
from helpdesk_contracts.sla.v1 import SLA_EVENTS as SLA_EVENTS_V1
from helpdesk_contracts.teams.v1 import TEAM_EVENTS as TEAM_EVENTS_V1
from helpdesk_contracts.tickets.v1 import TICKET_EVENTS as TICKET_EVENTS_V1

ALL_EVENTS: tuple[type[EventData], ...] = (
    *TICKET_EVENTS_V1,
    *TEAM_EVENTS_V1,
    *SLA_EVENTS_V1,
    *MAIL_EVENTS_V1,
)
"""Every published event class, each with a distinct ``event_type``."""


def envelope_model(event: type[DataT]) -> type[Envelope[DataT]]:
    """``Envelope[event]`` for an event class held in a variable."""
    return envelope_of(event)


def envelope_schema(event: type[EventData]) -> dict[str, Any]:
    """The JSON Schema of an event in its envelope, as consumers validate it."""
    return envelope_model(event).model_json_schema()
