"""SLA definitions of a tenant: checked when saved, versioned, soft-deleted.

A change publishes no event: a clock snapshots the definition (and its calendar)
when it attaches, so nothing downstream needs to hear of later edits.
"""

import uuid
from typing import Any

from helpdesk_contracts.api.sla import (
    SlaDefinitionRead,
    SlaDefinitionWrite,
    body_of,
)
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncEngine

from desk_sla.adapters.repository import (
    CalendarRepository,
    DefinitionRepository,
    NameTaken,
)
from desk_sla.domain.calendar import business_day_lengths, calendar_from_document
from desk_sla.domain.definition_rules import definition_errors
from desk_sla.domain.errors import (
    InvalidField,
    InvalidFields,
    NotFound,
    VersionMismatch,
)

WHAT = "SLA definition"


def definition_read(row: Row[Any]) -> SlaDefinitionRead:
    return SlaDefinitionRead.model_validate(
        {
            **row.body,
            "id": row.id,
            "name": row.name,
            "calendar_id": row.calendar_id,
            "version": row.version,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "deleted_at": row.deleted_at,
        }
    )


async def _checked_values(
    calendars: CalendarRepository, tenant_id: str, body: SlaDefinitionWrite
) -> dict[str, Any]:
    document = None
    if body.calendar_id is not None:
        document = await calendars.lock_live(
            tenant_id, body.calendar_id, exclusive=False
        )
    day = (
        None
        if document is None
        else business_day_lengths(calendar_from_document(document))
    )
    errors = definition_errors(body, day)
    if body.calendar_id is not None and document is None:
        errors.insert(0, ("calendar_id", f"no calendar {body.calendar_id} exists"))
    if errors:
        raise InvalidFields(errors)
    return {"name": body.name, "calendar_id": body.calendar_id, "body": body_of(body)}


async def create_definition(
    engine: AsyncEngine, tenant_id: str, body: SlaDefinitionWrite
) -> SlaDefinitionRead:
    async with engine.begin() as conn:
        values = await _checked_values(CalendarRepository(conn), tenant_id, body)
        try:
            row = await DefinitionRepository(conn).add(tenant_id, values)
        except NameTaken:
            raise _name_taken(body.name) from None
    return definition_read(row)


async def list_definitions(
    engine: AsyncEngine, tenant_id: str, *, deleted: bool = False
) -> list[SlaDefinitionRead]:
    async with engine.connect() as conn:
        rows = await DefinitionRepository(conn).by_name(tenant_id, deleted=deleted)
    return [definition_read(row) for row in rows]


async def get_definition(
    engine: AsyncEngine, tenant_id: str, definition_id: uuid.UUID
) -> SlaDefinitionRead:
    """A definition, deleted ones included: clocks attached to it still show it."""
    async with engine.connect() as conn:
        row = await DefinitionRepository(conn).get(
            tenant_id, definition_id, deleted=True
        )
    if row is None:
        raise NotFound(WHAT, definition_id)
    return definition_read(row)


async def replace_definition(
    engine: AsyncEngine,
    tenant_id: str,
    definition_id: uuid.UUID,
    body: SlaDefinitionWrite,
    versions: frozenset[int] | None,
) -> SlaDefinitionRead:
    """Clocks already running keep the version they attached with."""
    async with engine.begin() as conn:
        values = await _checked_values(CalendarRepository(conn), tenant_id, body)
        definitions = DefinitionRepository(conn)
        try:
            row = await definitions.replace(tenant_id, definition_id, values, versions)
        except NameTaken:
            raise _name_taken(body.name) from None
        if row is None:
            await _explain_miss(definitions, tenant_id, definition_id, versions)
    assert row is not None
    return definition_read(row)


async def delete_definition(
    engine: AsyncEngine,
    tenant_id: str,
    definition_id: uuid.UUID,
    versions: frozenset[int] | None,
) -> None:
    """Running clocks keep counting; new clocks can no longer attach it."""
    async with engine.begin() as conn:
        definitions = DefinitionRepository(conn)
        row = await definitions.delete(tenant_id, definition_id, versions)
        if row is None:
            await _explain_miss(definitions, tenant_id, definition_id, versions)


async def _explain_miss(
    definitions: DefinitionRepository,
    tenant_id: str,
    definition_id: uuid.UUID,
    versions: frozenset[int] | None,
) -> None:
    current = await definitions.get(tenant_id, definition_id)
    if current is None:
        raise NotFound(WHAT, definition_id)
    raise VersionMismatch(WHAT, versions or frozenset(), current.version)


def _name_taken(name: str) -> InvalidField:
    return InvalidField("name", f"another SLA definition is named {name!r}")
