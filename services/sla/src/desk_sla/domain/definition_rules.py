"""What makes an SLA definition consistent, beyond the shape of its fields.

- The warning comes before the breach. Points in the same unit compare as they
  are; minutes and hours compare as time. A point in days against one in minutes
  or hours takes a day of 24 hours without a calendar. With one, a business day
  has no fixed length (``desk_sla.domain.business_time``), so its length is
  bounded by the calendar's shortest and longest weekday
  (``business_day_lengths``) and the definition is refused whenever the warning
  could come at or after the breach. A clock that still meets such a day (a
  shorter override, a start outside opening hours) has no warning point
  (``desk_sla.service_layer.clocks``).
- No status both pauses and completes the clock.
- Each message template renders (``desk_infra.templates``) with the documented
  sample variables.
- Each action carries what its kind needs: an assignee to re-assign the primary
  assignee or to add one, a priority to raise to; and nothing else.
"""

from desk_infra.templates import validate_template
from helpdesk_contracts.api.sla import (
    BreachPoint,
    DurationUnit,
    SlaDefinitionWrite,
    WarningPoint,
)
from helpdesk_contracts.sla.v1 import SlaAction, SlaActionKind

from desk_sla.domain.calendar import DayLengths

FieldErrors = list[tuple[str, str]]

_SECONDS = {DurationUnit.MINUTE: 60, DurationUnit.HOUR: 3600, DurationUnit.DAY: 86400}
_NEEDS_ASSIGNEE = {SlaActionKind.REASSIGN_PRIMARY, SlaActionKind.ADD_ASSIGNEE}


def definition_errors(
    definition: SlaDefinitionWrite, day: DayLengths | None = None
) -> FieldErrors:
    """Every inconsistency of ``definition``, as (field path, reason).

    ``day``: how long a business day of its calendar opens, when it has one.
    """
    errors: FieldErrors = []
    if definition.warning is not None:
        errors += _order_errors(definition.warning, definition.breach, day)
    errors += _status_errors(definition)
    for field in ("warning_template", "breach_template"):
        reason = validate_template(getattr(definition, field))
        if reason is not None:
            errors.append((field, f"the template does not render: {reason}"))
    for field in ("on_warning", "on_breach"):
        for index, action in enumerate(getattr(definition, field)):
            errors += _action_errors(f"{field}.{index}", action)
    return errors


def _spoken(point: WarningPoint) -> str:
    unit = point.unit.value if point.value == 1 else f"{point.unit.value}s"
    return f"{point.value} {unit}"


def _order_errors(
    warning: WarningPoint, breach: BreachPoint, day: DayLengths | None
) -> FieldErrors:
    reason = (
        f"the warning ({_spoken(warning)}) must come before "
        f"the breach ({_spoken(breach)})"
    )
    in_days = (warning.unit is DurationUnit.DAY, breach.unit is DurationUnit.DAY)
    if in_days[0] == in_days[1] or day is None:
        early = warning.value * _SECONDS[warning.unit]
        late = breach.value * _SECONDS[breach.unit]
    else:
        early = _seconds(warning, day.longest)
        late = _seconds(breach, day.shortest)
        reason += f": a business day of the calendar opens {_hours(day)}"
    if early >= late:
        return [("warning.value", reason)]
    return []


def _seconds(point: WarningPoint, day: int) -> int:
    if point.unit is DurationUnit.DAY:
        return point.value * day
    return point.value * _SECONDS[point.unit]


def _hours(day: DayLengths) -> str:
    shortest, longest = day.shortest / 3600, day.longest / 3600
    if shortest == longest:
        return f"{shortest:g} hours"
    return f"from {shortest:g} to {longest:g} hours"


def _status_errors(definition: SlaDefinitionWrite) -> FieldErrors:
    errors: FieldErrors = []
    for index, status in enumerate(definition.pause_when):
        if status in definition.complete_when:
            errors.append(
                (
                    f"pause_when.{index}",
                    f"{status.value!r} cannot both pause and complete the clock",
                )
            )
    return errors


def _action_errors(path: str, action: SlaAction) -> FieldErrors:
    errors: FieldErrors = []
    kind = action.kind.value
    if action.kind in _NEEDS_ASSIGNEE and action.assignee is None:
        errors.append((f"{path}.assignee", f"{kind} needs an assignee"))
    if action.kind not in _NEEDS_ASSIGNEE and action.assignee is not None:
        errors.append((f"{path}.assignee", f"{kind} takes no assignee"))
    if action.kind is SlaActionKind.RAISE_PRIORITY and action.priority is None:
        errors.append((f"{path}.priority", f"{kind} needs a priority"))
    if action.kind is not SlaActionKind.RAISE_PRIORITY and action.priority is not None:
        errors.append((f"{path}.priority", f"{kind} takes no priority"))
    return errors
