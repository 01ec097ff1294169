"""What clocks and timers read from a definition's stored body.

The body is the JSON the definitions API validated; this module is the one
place that knows its field names, so the clock code does not.
"""

from collections.abc import Mapping
from typing import Any

from helpdesk_contracts.sla.v1 import NotifyTargets, SlaAction, SlaPoint, SlaState
from helpdesk_contracts.vocabulary import TicketStatus

DEFAULT_COMPLETE_WHEN = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})


def warning_budget(body: Mapping[str, Any]) -> tuple[float, str] | None:
    point = body.get("warning")
    if point is None:
        return None
    return float(point["value"]), str(point["unit"])


def breach_budget(body: Mapping[str, Any]) -> tuple[float, str]:
    point = body["breach"]
    return float(point["value"]), str(point["unit"])


def pause_when(body: Mapping[str, Any]) -> frozenset[TicketStatus]:
    return frozenset(TicketStatus(s) for s in body.get("pause_when", ()))


def complete_when(body: Mapping[str, Any]) -> frozenset[TicketStatus]:
    statuses = body.get("complete_when")
    if statuses is None:
        return DEFAULT_COMPLETE_WHEN
    return frozenset(TicketStatus(s) for s in statuses)


def colour(body: Mapping[str, Any], state: SlaState) -> str | None:
    if state is SlaState.BREACHED:
        return str(body["breach"].get("colour") or "") or None
    if state is SlaState.WARNING and body.get("warning"):
        return str(body["warning"].get("colour") or "") or None
    return None


def point_terms(
    body: Mapping[str, Any], point: SlaPoint
) -> tuple[str, str, NotifyTargets, list[SlaAction]]:
    """Colour, message template, who to notify and actions of one point."""
    name = "warning" if point is SlaPoint.WARNING else "breach"
    part = body.get(name) or {}
    return (
        str(part.get("colour") or ""),
        str(body.get(f"{name}_template") or ""),
        NotifyTargets.model_validate(body.get("notify") or {}),
        [SlaAction.model_validate(a) for a in body.get(f"on_{name}") or ()],
    )
