"""Due instants of durations in a calendar, for administrators checking one."""

from datetime import UTC, datetime

from helpdesk_contracts.api.sla import (
    CountedInterval,
    PreviewAnswer,
    PreviewRequest,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from desk_sla.adapters.repository import CalendarRepository
from desk_sla.domain.business_time import BusinessClock, DurationUnit, business_clock
from desk_sla.domain.calendar import BusinessCalendar, calendar_from_document
from desk_sla.domain.errors import CalendarNeverOpens, InvalidField
from desk_sla.service_layer.calendars import parse_calendar

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


async def preview(
    engine: AsyncEngine, tenant_id: str, request: PreviewRequest
) -> PreviewAnswer:
    """When each duration from ``request.start`` is due, explained on request."""
    if not EARLIEST <= request.start < LATEST:
        raise InvalidField("start", f"must be from {EARLIEST:%Y} to {LATEST:%Y}")
    clock = business_clock(await _calendar(engine, tenant_id, request))

    due: list[datetime] = []
    explanations: list[list[CountedInterval]] = []
    try:
        for duration in request.durations:
            unit = DurationUnit(duration.unit.value)
            seconds = clock.budget_seconds(request.start, duration.value, unit)
            due.append(clock.due(request.start, seconds))
            if request.explain:
                explanations.append(_explained(clock, request.start, seconds))
    except CalendarNeverOpens as exc:
        field = "calendar_id" if request.calendar_id else "calendar"
        raise InvalidField(field, str(exc)) from None
    return PreviewAnswer(
        due=due, explanations=explanations if request.explain else None
    )


async def _calendar(
    engine: AsyncEngine, tenant_id: str, request: PreviewRequest
) -> BusinessCalendar | None:
    if request.calendar is not None:
        return parse_calendar(request.calendar, prefix="calendar.")
    if request.calendar_id is None:
        return None
    async with engine.connect() as conn:
        row = await CalendarRepository(conn).get(tenant_id, request.calendar_id)
    if row is None:
        raise InvalidField("calendar_id", f"no calendar {request.calendar_id} exists")
    return calendar_from_document(row.document)


def _explained(
    clock: BusinessClock, start: datetime, seconds: float
) -> list[CountedInterval]:
    return [
        CountedInterval(start=span.start, end=span.end, seconds=span.seconds)
        for span in clock.explain(start, seconds)
    ]
