"""What makes an SLA definition consistent, beyond the shape of its fields.

- The warning comes before the breach. Minutes and hours compare as time; days
  compare as days. A warning in minutes or hours against a breach in days (or the
  other way round) compares with a day of 24 hours when the definition has no
  calendar. With one, a business day has no fixed length (it is the same local
  time one business day later), so the order can depend on when the clock
  starts: such a definition is refused only when the warning can never come
  first, given the calendar's longest day; a clock on which the warning would
  not come first has no warning point (``desk_sla.service_layer.clocks``).
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

FieldErrors = list[tuple[str, str]]

_SECONDS = {DurationUnit.MINUTE: 60, DurationUnit.HOUR: 3600, DurationUnit.DAY: 86400}
_NEEDS_ASSIGNEE = {SlaActionKind.REASSIGN_PRIMARY, SlaActionKind.ADD_ASSIGNEE}


def definition_errors(
    definition: SlaDefinitionWrite, longest_day: int | None = None
) -> FieldErrors:
    """Every inconsistency of ``definition``, as (field path, reason).

    ``longest_day``: the most seconds a day of its calendar opens, when it has one.
    """
    errors: FieldErrors = []
    if definition.warning is not None:
        errors += _order_errors(definition.warning, definition.breach, longest_day)
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
    warning: WarningPoint, breach: BreachPoint, longest_day: int | None
) -> FieldErrors:
    in_days = (warning.unit is DurationUnit.DAY, breach.unit is DurationUnit.DAY)
    early = warning.value * _SECONDS[warning.unit]
    late = breach.value * _SECONDS[breach.unit]
    reason = (
        f"the warning ({_spoken(warning)}) must come before "
        f"the breach ({_spoken(breach)})"
    )
    if longest_day is not None and in_days == (True, False):
        return []  # whether it comes first depends on the days the clock meets
    if longest_day is not None and in_days == (False, True):
        # Never first only if longer than that many of the longest days, each
        # with the hour a daylight-saving change may add.
        late = breach.value * (longest_day + 3600)
        reason += f": the calendar opens at most {longest_day / 3600:g} hours a day"
    if early >= late:
        return [("warning.value", reason)]
    return []


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
