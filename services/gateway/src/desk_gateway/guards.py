"""Dependencies that refuse a call before it reaches a service."""

import time
from collections.abc import Awaitable, Callable
from typing import Annotated

from desk_infra.logs import bind_log_context
from desk_infra.problems import Problem
from fastapi import Depends, Request
from helpdesk_contracts.permissions import (
    REQUEST_UPDATE,
    REQUEST_VIEW,
    SUPPORT_MODULE,
    Permission,
)

from desk_gateway.auth import Principal, principal
from desk_gateway.upstream import Upstream


class TenantModules:
    """Which modules each tenant is licensed for, cached for a short while."""

    def __init__(self, tickets: Upstream, ttl: float) -> None:
        self._tickets = tickets
        self._ttl = ttl
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}

    async def of(self, tenant_id: str) -> frozenset[str]:
        cached = self._cache.get(tenant_id)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        answer = await self._tickets.call("GET", f"/v1/tenants/{tenant_id}", None)
        if answer.status == 404:
            modules: frozenset[str] = frozenset()
        elif answer.status == 200:
            modules = frozenset(answer.json()["modules"])
        else:
            raise Problem(502, "could not read the tenant's licensed modules")
        self._cache[tenant_id] = (now + self._ttl, modules)
        return modules

    def forget(self, tenant_id: str) -> None:
        self._cache.pop(tenant_id, None)


async def support_user(
    request: Request, who: Annotated[Principal, Depends(principal)]
) -> Principal:
    """An authenticated caller whose tenant is licensed for Support."""
    bind_log_context(tenant_id=who.tenant_id, user_id=who.user_id)
    modules: TenantModules = request.app.state.modules
    if SUPPORT_MODULE not in await modules.of(who.tenant_id):
        raise Problem(
            403,
            f"the Support module is not enabled for tenant {who.tenant_id}",
            type_="module-not-enabled",
            module=SUPPORT_MODULE,
        )
    return who


SupportUser = Annotated[Principal, Depends(support_user)]


def _forbidden(detail: str, permission: Permission) -> Problem:
    return Problem(403, detail, type_="forbidden", permission=permission.value)


def requires(permission: Permission) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency: the caller must hold ``permission``."""

    async def check(who: SupportUser) -> Principal:
        if not who.has(permission):
            raise _forbidden(
                f"this needs the permission {permission.value}", permission
            )
        return who

    return check


async def ticket_worker(who: SupportUser) -> Principal:
    """Requesters raise and see their own tickets; operators need an update scope.

    Changing a ticket takes a ``support:request:update`` scope for requesters too;
    the tickets service checks it against the ticket (own, assigned, all).
    """
    if who.is_requester or REQUEST_UPDATE & who.permissions:
        return who
    raise _forbidden(
        "working tickets needs support:request:update:own, :assigned or :all",
        Permission.REQUEST_UPDATE_OWN,
    )


async def ticket_reader(who: SupportUser) -> Principal:
    """Reading tickets, as the tickets service allows it: requesters their own,
    operators with an update scope or ``support:request:delete:all`` any."""
    if who.is_requester or REQUEST_VIEW & who.permissions:
        return who
    raise _forbidden(
        "reading tickets needs support:request:update:own, :assigned or :all, "
        "or support:request:delete:all",
        Permission.REQUEST_UPDATE_OWN,
    )


async def operator(who: SupportUser) -> Principal:
    if who.is_requester:
        raise Problem(403, "this is for operators only", type_="forbidden")
    return who


TicketWorker = Annotated[Principal, Depends(ticket_worker)]
TicketReader = Annotated[Principal, Depends(ticket_reader)]
Operator = Annotated[Principal, Depends(operator)]
