"""The SLA service's internal HTTP API, called by the gateway only.

The gateway authenticates the caller and passes who they are in ``X-Desk-*`` headers;
this API trusts them and must therefore only be reachable from the gateway.
"""

import uuid
from dataclasses import dataclass, field
from typing import Annotated

from desk_infra.etags import etag, parse_if_match
from desk_infra.logs import bind_log_context
from desk_infra.problems import Problem, field_error
from fastapi import APIRouter, Depends, Header, Request, Response
from helpdesk_contracts.api.sla import (
    CalendarRead,
    CalendarWrite,
    PreviewAnswer,
    PreviewRequest,
    SlaDefinitionRead,
    SlaDefinitionWrite,
)
from helpdesk_contracts.permissions import Permission
from helpdesk_contracts.vocabulary import ActorKind
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine

from desk_sla.domain.errors import (
    CalendarNeverOpens,
    Forbidden,
    InUse,
    InvalidField,
    InvalidFields,
    NotFound,
    SlaError,
    VersionMismatch,
)
from desk_sla.service_layer import calendars, definitions, preview

router = APIRouter(prefix="/v1")


@dataclass(frozen=True)
class Actor:
    """The caller, as the gateway authenticated it."""

    tenant_id: str
    user_id: str
    kind: ActorKind
    permissions: frozenset[str] = frozenset()
    team_ids: frozenset[str] = field(default_factory=frozenset)

    def has(self, permission: Permission) -> bool:
        return permission.value in self.permissions

    def require(self, permission: Permission) -> None:
        if not self.has(permission):
            raise Forbidden(f"this needs the permission {permission.value}", permission)


async def actor(
    x_desk_tenant: Annotated[str, Header()],
    x_desk_user: Annotated[str, Header()],
    x_desk_kind: Annotated[ActorKind, Header()],
    x_desk_permissions: Annotated[str, Header()] = "",
    x_desk_teams: Annotated[str, Header()] = "",
    x_request_id: Annotated[str | None, Header()] = None,
) -> Actor:
    bind_log_context(
        tenant_id=x_desk_tenant, user_id=x_desk_user, correlation_id=x_request_id
    )
    return Actor(
        tenant_id=x_desk_tenant,
        user_id=x_desk_user,
        kind=x_desk_kind,
        permissions=frozenset(x_desk_permissions.split()),
        team_ids=frozenset(x_desk_teams.split()),
    )


ActorDep = Annotated[Actor, Depends(actor)]


def to_problem(exc: SlaError) -> Problem:
    """Map the service's errors to problem details."""
    match exc:
        case NotFound():
            return Problem(404, str(exc), type_="not-found")
        case Forbidden():
            return Problem(403, str(exc), type_="forbidden", permission=exc.permission)
        case InvalidField():
            return Problem(
                422,
                str(exc),
                type_="validation",
                title="Invalid request",
                errors=[field_error(exc.field, exc.reason)],
            )
        case InvalidFields():
            return Problem(
                422,
                str(exc),
                type_="validation",
                title="Invalid request",
                errors=[field_error(field, reason) for field, reason in exc.errors],
            )
        case InUse():
            return Problem(409, str(exc), type_="in-use")
        case VersionMismatch():
            return Problem(
                412, str(exc), type_="version-mismatch", current_version=exc.current
            )
        case CalendarNeverOpens():
            return Problem(
                422,
                str(exc),
                type_="validation",
                title="Invalid request",
                errors=[field_error("calendar", str(exc))],
            )
        case _:
            return Problem(400, str(exc))


async def engine(request: Request) -> AsyncEngine:
    return request.app.state.runtime.engine  # type: ignore[no-any-return]


EngineDep = Annotated[AsyncEngine, Depends(engine)]
IfMatch = Annotated[str | None, Header()]


def manager(who: ActorDep) -> Actor:
    """The caller may manage calendars and definitions."""
    who.require(Permission.SLA_MANAGE)
    return who


def operator(who: ActorDep) -> Actor:
    """The caller works in the desk (the ticket banner shows a definition's name)."""
    if who.kind is ActorKind.REQUESTER and not who.has(Permission.SLA_MANAGE):
        raise Forbidden("SLA definitions are for operators")
    return who


ManagerDep = Annotated[Actor, Depends(manager)]


def versioned(model: BaseModel, version: int, status: int = 200) -> Response:
    return Response(
        model.model_dump_json(),
        status_code=status,
        media_type="application/json",
        headers={"ETag": etag(version)},
    )


# --- calendars --------------------------------------------------------------------


@router.post("/sla/calendars", response_model=CalendarRead, status_code=201)
async def create_calendar(
    body: CalendarWrite, who: ManagerDep, db: EngineDep
) -> Response:
    created = await calendars.create_calendar(db, who.tenant_id, body)
    return versioned(created, created.version, 201)


@router.get("/sla/calendars", response_model=list[CalendarRead])
async def list_calendars(who: ManagerDep, db: EngineDep) -> list[CalendarRead]:
    return await calendars.list_calendars(db, who.tenant_id)


@router.get("/sla/calendars/{calendar_id}", response_model=CalendarRead)
async def get_calendar(
    calendar_id: uuid.UUID, who: ManagerDep, db: EngineDep
) -> Response:
    found = await calendars.get_calendar(db, who.tenant_id, calendar_id)
    return versioned(found, found.version)


@router.put("/sla/calendars/{calendar_id}", response_model=CalendarRead)
async def replace_calendar(
    calendar_id: uuid.UUID,
    body: CalendarWrite,
    who: ManagerDep,
    db: EngineDep,
    if_match: IfMatch = None,
) -> Response:
    versions = parse_if_match(if_match)
    saved = await calendars.replace_calendar(
        db, who.tenant_id, calendar_id, body, versions
    )
    return versioned(saved, saved.version)


@router.delete("/sla/calendars/{calendar_id}", status_code=204)
async def delete_calendar(
    calendar_id: uuid.UUID, who: ManagerDep, db: EngineDep, if_match: IfMatch = None
) -> Response:
    versions = parse_if_match(if_match)
    await calendars.delete_calendar(db, who.tenant_id, calendar_id, versions)
    return Response(status_code=204)


# --- preview ----------------------------------------------------------------------


@router.post("/sla/preview", response_model=PreviewAnswer)
async def preview_due(body: PreviewRequest, who: ManagerDep, db: EngineDep) -> Response:
    answer = await preview.preview(db, who.tenant_id, body)
    return Response(
        answer.model_dump_json(exclude_none=True), media_type="application/json"
    )


# --- definitions ------------------------------------------------------------------


@router.post("/sla/definitions", response_model=SlaDefinitionRead, status_code=201)
async def create_definition(
    body: SlaDefinitionWrite, who: ManagerDep, db: EngineDep
) -> Response:
    created = await definitions.create_definition(db, who.tenant_id, body)
    return versioned(created, created.version, 201)


@router.get("/sla/definitions", response_model=list[SlaDefinitionRead])
async def list_definitions(
    who: Annotated[Actor, Depends(operator)], db: EngineDep, deleted: bool = False
) -> list[SlaDefinitionRead]:
    return await definitions.list_definitions(db, who.tenant_id, deleted=deleted)


@router.get("/sla/definitions/{definition_id}", response_model=SlaDefinitionRead)
async def get_definition(
    definition_id: uuid.UUID, who: Annotated[Actor, Depends(operator)], db: EngineDep
) -> Response:
    found = await definitions.get_definition(db, who.tenant_id, definition_id)
    return versioned(found, found.version)


@router.put("/sla/definitions/{definition_id}", response_model=SlaDefinitionRead)
async def replace_definition(
    definition_id: uuid.UUID,
    body: SlaDefinitionWrite,
    who: ManagerDep,
    db: EngineDep,
    if_match: IfMatch = None,
) -> Response:
    versions = parse_if_match(if_match)
    saved = await definitions.replace_definition(
        db, who.tenant_id, definition_id, body, versions
    )
    return versioned(saved, saved.version)


@router.delete("/sla/definitions/{definition_id}", status_code=204)
async def delete_definition(
    definition_id: uuid.UUID, who: ManagerDep, db: EngineDep, if_match: IfMatch = None
) -> Response:
    versions = parse_if_match(if_match)
    await definitions.delete_definition(db, who.tenant_id, definition_id, versions)
    return Response(status_code=204)
