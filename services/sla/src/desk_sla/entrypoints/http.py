"""The SLA service's internal HTTP API, called by the gateway only.

The gateway authenticates the caller and passes who they are in ``X-Desk-*`` headers;
this API trusts them and must therefore only be reachable from the gateway.
"""

from dataclasses import dataclass, field
from typing import Annotated

from desk_infra.logs import bind_log_context
from desk_infra.problems import Problem, field_error
from fastapi import APIRouter, Depends, Header
from helpdesk_contracts.permissions import Permission
from helpdesk_contracts.vocabulary import ActorKind

from desk_sla.domain.errors import (
    CalendarNeverOpens,
    Forbidden,
    InUse,
    InvalidField,
    NotFound,
    SlaError,
    VersionMismatch,
)

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
