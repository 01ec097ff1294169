"""``/v1/sla``: business-hours calendars, SLA definitions and the deadline preview.

Managing needs ``support:sla:manage``; any operator may read the definitions,
since a ticket's SLA banner names its definition.
"""

import uuid
from typing import Annotated, Any

from desk_infra.problems import problem_responses
from fastapi import APIRouter, Depends, Response
from helpdesk_contracts.api.sla import (
    CalendarRead,
    CalendarWrite,
    PreviewAnswer,
    PreviewRequest,
    SlaDefinitionRead,
    SlaDefinitionWrite,
)
from helpdesk_contracts.permissions import Permission
from pydantic import BaseModel

from desk_gateway.auth import Principal
from desk_gateway.guards import Operator, requires
from desk_gateway.routes.deps import IfMatch, Sla

router = APIRouter(
    prefix="/v1/sla",
    tags=["sla"],
    responses=problem_responses(401, 403, 422, 502, 503, 504),
)

SlaManager = Annotated[Principal, Depends(requires(Permission.SLA_MANAGE))]
VERSIONED: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such calendar or definition for this tenant."},
    412: {"description": "If-Match names an older version."},
}


def _payload(body: BaseModel) -> bytes:
    return body.model_dump_json(exclude_unset=True).encode()


# --- calendars --------------------------------------------------------------------


@router.get("/calendars", response_model=list[CalendarRead])
async def list_calendars(who: SlaManager, sla: Sla) -> Response:
    """The tenant's business-hours calendars, by name."""
    return await sla.forward("GET", "/v1/sla/calendars", who)


@router.post("/calendars", response_model=CalendarRead, status_code=201)
async def create_calendar(body: CalendarWrite, who: SlaManager, sla: Sla) -> Response:
    """A calendar: zone, weekly hours, holidays and dated overrides."""
    return await sla.forward("POST", "/v1/sla/calendars", who, json_body=_payload(body))


@router.get(
    "/calendars/{calendar_id}", response_model=CalendarRead, responses=VERSIONED
)
async def get_calendar(calendar_id: uuid.UUID, who: SlaManager, sla: Sla) -> Response:
    """The calendar, deleted or not, with an ``ETag`` for ``If-Match``."""
    return await sla.forward("GET", f"/v1/sla/calendars/{calendar_id}", who)


@router.put(
    "/calendars/{calendar_id}", response_model=CalendarRead, responses=VERSIONED
)
async def replace_calendar(
    calendar_id: uuid.UUID,
    body: CalendarWrite,
    who: SlaManager,
    sla: Sla,
    if_match: IfMatch,
) -> Response:
    """Replace the calendar; running clocks keep the one they attached with."""
    return await sla.forward(
        "PUT",
        f"/v1/sla/calendars/{calendar_id}",
        who,
        json_body=_payload(body),
        headers=if_match,
    )


@router.delete(
    "/calendars/{calendar_id}",
    status_code=204,
    responses={**VERSIONED, 409: {"description": "A definition uses the calendar."}},
)
async def delete_calendar(
    calendar_id: uuid.UUID, who: SlaManager, sla: Sla, if_match: IfMatch
) -> Response:
    return await sla.forward(
        "DELETE",
        f"/v1/sla/calendars/{calendar_id}",
        who,
        headers=if_match,
    )


# --- preview ----------------------------------------------------------------------


@router.post("/preview", response_model=PreviewAnswer)
async def preview(body: PreviewRequest, who: SlaManager, sla: Sla) -> Response:
    """When each duration from ``start`` is due in a calendar (inline, stored, none)."""
    return await sla.forward("POST", "/v1/sla/preview", who, json_body=_payload(body))


# --- definitions ------------------------------------------------------------------


@router.get("/definitions", response_model=list[SlaDefinitionRead])
async def list_definitions(who: Operator, sla: Sla, deleted: bool = False) -> Response:
    """The tenant's definitions by name; ``deleted`` adds the deleted ones."""
    params = {"deleted": "true" if deleted else "false"}
    return await sla.forward("GET", "/v1/sla/definitions", who, params=params)


@router.post("/definitions", response_model=SlaDefinitionRead, status_code=201)
async def create_definition(
    body: SlaDefinitionWrite, who: SlaManager, sla: Sla
) -> Response:
    """A definition; refused, naming each field, when it is not consistent."""
    return await sla.forward(
        "POST", "/v1/sla/definitions", who, json_body=_payload(body)
    )


@router.get(
    "/definitions/{definition_id}",
    response_model=SlaDefinitionRead,
    responses=VERSIONED,
)
async def get_definition(definition_id: uuid.UUID, who: Operator, sla: Sla) -> Response:
    """The definition, deleted or not, with an ``ETag`` for ``If-Match``."""
    return await sla.forward("GET", f"/v1/sla/definitions/{definition_id}", who)


@router.put(
    "/definitions/{definition_id}",
    response_model=SlaDefinitionRead,
    responses=VERSIONED,
)
async def replace_definition(
    definition_id: uuid.UUID,
    body: SlaDefinitionWrite,
    who: SlaManager,
    sla: Sla,
    if_match: IfMatch,
) -> Response:
    """Replace the definition; running clocks keep the version they attached."""
    return await sla.forward(
        "PUT",
        f"/v1/sla/definitions/{definition_id}",
        who,
        json_body=_payload(body),
        headers=if_match,
    )


@router.delete("/definitions/{definition_id}", status_code=204, responses=VERSIONED)
async def delete_definition(
    definition_id: uuid.UUID, who: SlaManager, sla: Sla, if_match: IfMatch
) -> Response:
    """Stop offering the definition; clocks attached to it keep counting."""
    return await sla.forward(
        "DELETE",
        f"/v1/sla/definitions/{definition_id}",
        who,
        headers=if_match,
    )
