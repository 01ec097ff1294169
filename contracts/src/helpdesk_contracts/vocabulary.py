"""Words every service shares: statuses, priorities, actor and assignee kinds."""

from enum import StrEnum


class TicketStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


class ActorKind(StrEnum):
    """Who did something: a staff operator, a requester, or the desk itself."""

    OPERATOR = "operator"
    REQUESTER = "requester"
    SYSTEM = "system"


class AssigneeKind(StrEnum):
    USER = "user"
    TEAM = "team"


class TicketChannel(StrEnum):
    """How a ticket reached the desk."""

    PORTAL = "portal"
    EMAIL = "email"
    ESCALATION = "escalation"
