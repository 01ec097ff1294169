"""Business-hours calendars of a tenant: create, read, replace, delete."""

import uuid
from typing import Any

from helpdesk_contracts.api.sla import CalendarDocument, CalendarRead, CalendarWrite
from pydantic import ValidationError
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncEngine

from desk_sla.adapters.repository import CalendarRepository, NameTaken
from desk_sla.domain.calendar import (
    BusinessCalendar,
    calendar_from_document,
    calendar_to_document,
)
from desk_sla.domain.errors import (
    InUse,
    InvalidField,
    InvalidFields,
    NotFound,
    VersionMismatch,
)

WHAT = "calendar"


def field_errors(exc: ValidationError, prefix: str = "") -> InvalidFields:
    """Pydantic's errors as fields of the request, ``prefix`` before each path."""
    errors = []
    for error in exc.errors():
        path = [str(part) for part in error["loc"] if part != "[key]"]
        errors.append(
            (prefix + ".".join(path), error["msg"].removeprefix("Value error, "))
        )
    return InvalidFields(errors)


def parse_calendar(document: CalendarDocument, prefix: str = "") -> BusinessCalendar:
    """The calendar a document describes; ``InvalidFields`` naming what is wrong."""
    fields = document.model_dump(
        mode="json", include=set(CalendarDocument.model_fields), exclude_none=True
    )
    try:
        return calendar_from_document(fields)
    except ValidationError as exc:
        raise field_errors(exc, prefix) from None


def calendar_read(row: Row[Any]) -> CalendarRead:
    return CalendarRead.model_validate(
        {
            **row.document,
            "id": row.id,
            "name": row.name,
            "version": row.version,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "deleted_at": row.deleted_at,
        }
    )


def _values(body: CalendarWrite) -> dict[str, Any]:
    document = calendar_to_document(parse_calendar(body))
    return {"name": body.name, "document": document}


async def create_calendar(
    engine: AsyncEngine, tenant_id: str, body: CalendarWrite
) -> CalendarRead:
    values = _values(body)
    async with engine.begin() as conn:
        try:
            row = await CalendarRepository(conn).add(tenant_id, values)
        except NameTaken:
            raise _name_taken(body.name) from None
    return calendar_read(row)


async def list_calendars(engine: AsyncEngine, tenant_id: str) -> list[CalendarRead]:
    async with engine.connect() as conn:
        rows = await CalendarRepository(conn).by_name(tenant_id)
    return [calendar_read(row) for row in rows]


async def get_calendar(
    engine: AsyncEngine, tenant_id: str, calendar_id: uuid.UUID
) -> CalendarRead:
    """A calendar, deleted ones included (definitions may still name them)."""
    async with engine.connect() as conn:
        row = await CalendarRepository(conn).get(tenant_id, calendar_id, deleted=True)
    if row is None:
        raise NotFound(WHAT, calendar_id)
    return calendar_read(row)


async def replace_calendar(
    engine: AsyncEngine,
    tenant_id: str,
    calendar_id: uuid.UUID,
    body: CalendarWrite,
    versions: frozenset[int] | None,
) -> CalendarRead:
    """Clocks already running keep the calendar they attached with."""
    values = _values(body)
    async with engine.begin() as conn:
        calendars = CalendarRepository(conn)
        try:
            row = await calendars.replace(tenant_id, calendar_id, values, versions)
        except NameTaken:
            raise _name_taken(body.name) from None
        if row is None:
            await _explain_miss(calendars, tenant_id, calendar_id, versions)
    assert row is not None
    return calendar_read(row)


async def delete_calendar(
    engine: AsyncEngine,
    tenant_id: str,
    calendar_id: uuid.UUID,
    versions: frozenset[int] | None,
) -> None:
    """Refused while a live definition counts in the calendar."""
    async with engine.begin() as conn:
        calendars = CalendarRepository(conn)
        await calendars.lock_live(tenant_id, calendar_id, exclusive=True)
        users = await calendars.users(tenant_id, calendar_id)
        if users:
            raise InUse(WHAT, calendar_id, "the definitions " + ", ".join(users))
        row = await calendars.delete(tenant_id, calendar_id, versions)
        if row is None:
            await _explain_miss(calendars, tenant_id, calendar_id, versions)


async def _explain_miss(
    calendars: CalendarRepository,
    tenant_id: str,
    calendar_id: uuid.UUID,
    versions: frozenset[int] | None,
) -> None:
    current = await calendars.get(tenant_id, calendar_id)
    if current is None:
        raise NotFound(WHAT, calendar_id)
    raise VersionMismatch(WHAT, versions or frozenset(), current.version)


def _name_taken(name: str) -> InvalidField:
    return InvalidField("name", f"another calendar is named {name!r}")
