"""The portal's data: tenants and the directory (imported), and type-to-search."""

from typing import Annotated

from desk_infra.problems import Problem, problem_responses
from fastapi import APIRouter, Depends, Query, Request, Response
from helpdesk_contracts.api.tickets import (
    DirectoryEntryRead,
    DirectoryImport,
    DirectoryKind,
    ImportResult,
    TenantId,
    TenantRead,
    TenantUpsert,
)
from helpdesk_contracts.permissions import Permission

from desk_gateway.auth import Principal, principal
from desk_gateway.guards import Operator, TenantModules
from desk_gateway.routes.deps import Tickets

router = APIRouter(
    prefix="/v1",
    tags=["directory"],
    responses=problem_responses(401, 403, 422, 502, 503, 504),
)


def _holding(permission: Permission) -> object:
    async def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if not who.has(permission):
            raise Problem(
                403,
                f"this needs the permission {permission.value}",
                type_="forbidden",
                permission=permission.value,
            )
        return who

    return check


@router.put("/admin/tenants/{tenant_id}", response_model=TenantRead)
async def put_tenant(
    tenant_id: TenantId,
    body: TenantUpsert,
    request: Request,
    who: Annotated[Principal, Depends(_holding(Permission.PORTAL_TENANTS_WRITE))],
    tickets: Tickets,
) -> Response:
    """Create or replace a tenant: owner tenant and licensed modules (portal only)."""
    payload = body.model_dump_json().encode()
    answer = await tickets.forward(
        "PUT", f"/v1/admin/tenants/{tenant_id}", who, json_body=payload
    )
    modules: TenantModules = request.app.state.modules
    modules.forget(tenant_id)
    return answer


@router.put("/admin/directory/{kind}", response_model=ImportResult)
async def import_directory(
    kind: DirectoryKind,
    body: DirectoryImport,
    who: Annotated[Principal, Depends(_holding(Permission.PORTAL_DIRECTORY_WRITE))],
    tickets: Tickets,
) -> Response:
    """Create or replace the users, members, customers or locations of a tenant."""
    payload = body.model_dump_json().encode()
    return await tickets.forward(
        "PUT", f"/v1/admin/directory/{kind}", who, json_body=payload
    )


@router.get("/directory/{kind}", response_model=list[DirectoryEntryRead])
async def search_directory(
    kind: DirectoryKind,
    who: Operator,
    tickets: Tickets,
    q: Annotated[str, Query(max_length=100)] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> Response:
    """Type-to-search among active entries (only they may be newly linked):
    names starting with ``q`` first, then names with a word close to ``q``
    (typos allowed), best first."""
    return await tickets.forward(
        "GET", f"/v1/directory/{kind}", who, params={"q": q, "limit": limit}
    )
