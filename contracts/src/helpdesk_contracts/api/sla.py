"""SLA calendars, definitions and the business-hours preview: the HTTP shapes.

A calendar document is the one of ``services/sla/docs/business-hours.md``; this
module checks its shape, the SLA service its meaning (known zone, intervals in
order and not overlapping, real dates), naming the offending field either way.
"""

import re
import uuid
from enum import StrEnum
from typing import Annotated, Any, NamedTuple, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from helpdesk_contracts.api.colours import NAMED_COLOURS
from helpdesk_contracts.sla.v1 import ClockPhase, NotifyTargets, SlaAction, SlaState
from helpdesk_contracts.tickets.v1 import Assignee
from helpdesk_contracts.vocabulary import TicketStatus

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
TemplateSource = Annotated[str, StringConstraints(max_length=10_000)]

AMBER = "#ffbf00"
RED = "#d32f2f"
_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")

DEFAULT_WARNING_TEMPLATE = (
    '{{ ticket.reference }} ({{ ticket.subject }}) breaches "{{ sla.name }}" '
    "at {{ sla.breach_due_at }}: {{ sla.remaining }} left."
)
DEFAULT_BREACH_TEMPLATE = (
    '{{ ticket.reference }} ({{ ticket.subject }}) breached "{{ sla.name }}" '
    "at {{ sla.due_at }}."
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DurationUnit(StrEnum):
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"


MAX_SECONDS = 366 * 86400
"""The longest duration: 366 days, counted as 24-hour days."""
_SECONDS = {DurationUnit.MINUTE: 60, DurationUnit.HOUR: 3600, DurationUnit.DAY: 86400}


class Duration(_Strict):
    """A length of business time: whole minutes, hours or business days."""

    value: int = Field(ge=0)
    unit: DurationUnit

    @model_validator(mode="after")
    def _not_too_long(self) -> Self:
        if self.value * _SECONDS[self.unit] > MAX_SECONDS:
            longest = MAX_SECONDS // _SECONDS[self.unit]
            raise ValueError(f"at most {longest} {self.unit.value}s")
        return self


# --- calendars --------------------------------------------------------------------

Interval = tuple[str, str]
"""``["08:00", "12:00"]``: local wall-clock times, ``24:00`` ends a day."""


class RegionalHolidays(_Strict):
    """Public holidays of a country (ISO 3166 code) or one of its subdivisions."""

    country: str
    subdivision: str | None = None


class CalendarDocument(_Strict):
    """When a desk is open; no calendar at all means 24/7."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "timezone": "Europe/Berlin",
                "hours": {"mon": [["08:00", "12:00"], ["13:00", "18:00"]]},
                "holidays": ["2016-11-01", "--12-25"],
                "overrides": {"2016-12-24": [["08:00", "12:00"]]},
                "regional_holidays": {"country": "DE", "subdivision": "BY"},
            }
        },
    )

    timezone: str = Field(description="An IANA time zone, e.g. Europe/Berlin.")
    hours: dict[str, list[Interval]] = Field(
        description="Opening intervals per weekday (mon ... sun); a day left out is "
        "closed."
    )
    holidays: list[str] = Field(
        default=[], description="Closed days: YYYY-MM-DD once, --MM-DD every year."
    )
    overrides: dict[str, list[Interval]] = Field(
        default={},
        description="A date's own intervals, before holidays; [] closes the day.",
    )
    regional_holidays: RegionalHolidays | None = None


class CalendarWrite(CalendarDocument):
    """A calendar to create, or to replace one with (PUT, with ``If-Match``)."""

    name: Name


class CalendarRead(CalendarWrite):
    id: uuid.UUID
    version: int
    created_at: AwareDatetime
    updated_at: AwareDatetime
    deleted_at: AwareDatetime | None = None


# --- preview ----------------------------------------------------------------------


class _TwoCalendars(NamedTuple):
    """Two different ids, one as ``calendar`` and one as ``calendar_id``."""

    calendar_id: object
    calendar: str


class PreviewRequest(_Strict):
    """Due instants of ``durations`` from ``start``, counted in a calendar."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "calendar": {
                    "timezone": "Europe/Berlin",
                    "hours": {"mon": [["08:00", "18:00"]], "tue": [["08:00", "18:00"]]},
                    "holidays": ["2016-11-01"],
                },
                "start": "2016-11-01T13:56:21Z",
                "durations": [{"value": 120, "unit": "minute"}],
            }
        },
    )

    calendar: CalendarDocument | None = Field(
        default=None,
        description="A calendar inline, or the id of a stored one (as calendar_id);"
        " neither this nor calendar_id: 24/7.",
    )
    calendar_id: uuid.UUID | None = Field(
        default=None, description="A stored calendar of the tenant, instead."
    )
    start: AwareDatetime
    durations: list[Duration] = Field(min_length=1, max_length=50)
    explain: bool = False

    @model_validator(mode="before")
    @classmethod
    def _calendar_by_id(cls, data: Any) -> Any:
        """``"calendar": "<id>"`` names a stored calendar, as calendar_id does."""
        if isinstance(data, dict) and isinstance(data.get("calendar"), str):
            data = dict(data)
            named = data.pop("calendar")
            given = data.setdefault("calendar_id", named)
            if given != named:
                data["calendar_id"] = _TwoCalendars(given, named)
        return data

    @field_validator("calendar_id", mode="before")
    @classmethod
    def _one_calendar(cls, calendar_id: Any, info: ValidationInfo) -> Any:
        """Refuse a second calendar at ``calendar_id``, the field that adds it."""
        inline = info.data.get("calendar") is not None
        if isinstance(calendar_id, _TwoCalendars) or (calendar_id and inline):
            raise ValueError("give calendar or calendar_id, not both")
        return calendar_id


class CountedInterval(BaseModel):
    """Opening hours counted towards a due instant."""

    start: AwareDatetime
    end: AwareDatetime
    seconds: float


class PreviewAnswer(BaseModel):
    due: list[AwareDatetime]
    """One due instant (UTC) per duration, in order."""
    explanations: list[list[CountedInterval]] | None = None
    """With ``explain``: per duration, the intervals counted to reach it."""


# --- definitions ------------------------------------------------------------------


def _colour(value: str) -> str:
    """``#rgb`` or ``#rrggbb``, or a name (``NAMED_COLOURS``) as its ``#rrggbb``."""
    named = NAMED_COLOURS.get(value.lower())
    if named is not None:
        return named
    if not _HEX_COLOUR.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a colour #rgb or #rrggbb, nor a CSS colour name"
        )
    return value.lower()


class WarningPoint(Duration):
    value: int = Field(ge=1)
    colour: str = AMBER

    _check_colour = field_validator("colour")(_colour)


class BreachPoint(WarningPoint):
    colour: str = RED


class NotifyTargetsWrite(NotifyTargets):
    """Who to notify, as an administrator writes it: a misspelt key is refused,
    not dropped (the event model reads tolerantly)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class AssigneeWrite(Assignee):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SlaActionWrite(SlaAction):
    """An on-warning or on-breach action, as written: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    assignee: AssigneeWrite | None = None


class SlaDefinitionBody(_Strict):
    """What a definition says besides its name and calendar (stored as a whole)."""

    description: Description = ""
    warning: WarningPoint | None = None
    """None: no warning point, only the breach."""
    breach: BreachPoint
    warning_template: TemplateSource = DEFAULT_WARNING_TEMPLATE
    breach_template: TemplateSource = DEFAULT_BREACH_TEMPLATE
    notify: NotifyTargetsWrite = NotifyTargetsWrite()
    on_warning: list[SlaActionWrite] = Field(default=[], max_length=10)
    on_breach: list[SlaActionWrite] = Field(default=[], max_length=10)
    complete_when: list[TicketStatus] = Field(
        default=[TicketStatus.RESOLVED, TicketStatus.CLOSED], min_length=1
    )
    pause_when: list[TicketStatus] = []

    @field_validator("complete_when", "pause_when")
    @classmethod
    def _once_each(cls, statuses: list[TicketStatus]) -> list[TicketStatus]:
        return list(dict.fromkeys(statuses))


class SlaDefinitionWrite(SlaDefinitionBody):
    """A definition to create, or to replace one with (PUT, with ``If-Match``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "name": "Priority support",
                "calendar_id": None,
                "warning": {"value": 3, "unit": "hour"},
                "breach": {"value": 4, "unit": "hour"},
                "notify": {"primary_assignee": True},
                "on_breach": [{"kind": "raise_priority", "priority": "urgent"}],
                "pause_when": ["pending"],
            }
        },
    )

    name: Name
    calendar_id: uuid.UUID | None = None
    """A stored calendar of the tenant; none: the clock runs 24/7."""


class SlaDefinitionRead(SlaDefinitionWrite):
    id: uuid.UUID
    version: int
    created_at: AwareDatetime
    updated_at: AwareDatetime
    deleted_at: AwareDatetime | None = None
    """Set once deleted: a deleted definition stays readable for the clocks using it."""


def body_of(definition: SlaDefinitionWrite) -> dict[str, Any]:
    """The JSON of what ``SlaDefinitionBody`` stores of a definition."""
    return definition.model_dump(mode="json", exclude={"name", "calendar_id"})


# --- clocks -----------------------------------------------------------------------


class ClockAttach(_Strict):
    """Attach a definition to a ticket by hand (``support:sla:attach``)."""

    definition_id: uuid.UUID


class TicketSeen(_Strict):
    """The ticket as the gateway read it from the tickets service to check access."""

    reference: str = Field(min_length=1, max_length=32)
    status: TicketStatus
    version: int = Field(ge=1)
    updated_at: AwareDatetime
    """When the ticket reached ``version``, so ``status`` was in force then."""


class ClockAttachCall(ClockAttach):
    """What the gateway asks of the SLA service: the attach and the ticket it read,
    which stands in for the ticket events the SLA service may not have yet."""

    ticket: TicketSeen | None = None


class ClockRead(BaseModel):
    """One clock as the ticket's SLA banner shows it."""

    clock_id: uuid.UUID
    definition_id: uuid.UUID
    name: str
    manual: bool
    phase: ClockPhase
    state: SlaState
    colour: str | None = None
    """The definition's warning or breach colour once reached; none while OK."""
    attached_at: AwareDatetime
    warning_due_at: AwareDatetime | None = None
    breach_due_at: AwareDatetime | None = None
    elapsed_seconds: float
    """Business seconds counted so far."""
    remaining_seconds: float
    """Business seconds left before the breach; negative once breached."""
    warning_fired_at: AwareDatetime | None = None
    breach_fired_at: AwareDatetime | None = None


class TicketClocks(BaseModel):
    ticket_id: uuid.UUID
    clocks: list[ClockRead]
