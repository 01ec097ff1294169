"""SLA clock events, version 1: keys ``sla.<fact>.v1`` on ``helpdesk.events``.

A warning or breach point is published once per point per clock. The event
carries what its consumers act on, so neither the notifications service nor the
tickets service has to ask the SLA service about the definition.
"""

import uuid
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict

from helpdesk_contracts.envelope import EventData
from helpdesk_contracts.tickets.v1 import Assignee
from helpdesk_contracts.vocabulary import Priority, TicketStatus


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SlaPoint(StrEnum):
    WARNING = "warning"
    BREACH = "breach"


class SlaState(StrEnum):
    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"


class ClockPhase(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    DETACHED = "detached"


class NotifyTargets(_Model):
    """Who a point is announced to; teams among the assignees expand to members."""

    users: list[str] = []
    primary_assignee: bool = False
    all_assignees: bool = False


class SlaActionKind(StrEnum):
    REASSIGN_PRIMARY = "reassign_primary"
    ADD_ASSIGNEE = "add_assignee"
    RAISE_PRIORITY = "raise_priority"


class SlaAction(_Model):
    """What the tickets service does when a point fires.

    ``assignee`` is set for the two assignee kinds; ``priority`` for raising
    (to that priority; never lowers an already higher one).
    """

    kind: SlaActionKind
    assignee: Assignee | None = None
    priority: Priority | None = None


class _ClockEvent(EventData):
    aggregate_type: ClassVar[str] = "sla"

    clock_id: uuid.UUID
    ticket_id: uuid.UUID
    reference: str
    definition_id: uuid.UUID
    definition_name: str


class _PointReached(_ClockEvent):
    point: ClassVar[SlaPoint]

    due_at: AwareDatetime
    fired_at: AwareDatetime
    colour: str
    message_template: str
    notify: NotifyTargets
    actions: list[SlaAction] = []
    subject: str
    status: TicketStatus
    priority: Priority
    requester_id: str | None = None
    primary_assignee: Assignee | None = None
    additional_assignees: list[Assignee] = []
    breach_due_at: AwareDatetime | None = None
    remaining_seconds: float | None = None
    """Business seconds left to the breach at this point (0 at the breach); absent
    from producers older than the field."""


class SlaWarning(_PointReached):
    """The warning point of a running clock was reached."""

    event_type: ClassVar[str] = "sla.warning.v1"
    point: ClassVar[SlaPoint] = SlaPoint.WARNING


class SlaBreached(_PointReached):
    """The breach point of a running clock was reached."""

    event_type: ClassVar[str] = "sla.breached.v1"
    point: ClassVar[SlaPoint] = SlaPoint.BREACH


class SlaClockChanged(_ClockEvent):
    """A clock attached, paused, resumed, completed or was detached."""

    event_type: ClassVar[str] = "sla.clock_changed.v1"

    phase: ClockPhase
    state: SlaState
    manual: bool
    warning_due_at: AwareDatetime | None = None
    breach_due_at: AwareDatetime | None = None
    elapsed_seconds: float
    remaining_seconds: float
    changed_at: AwareDatetime


SLA_EVENTS: tuple[type[_ClockEvent], ...] = (SlaWarning, SlaBreached, SlaClockChanged)
