"""The tickets service's internal HTTP API, called by the gateway only.

The gateway authenticates the caller and passes who they are in ``X-Desk-*`` headers;
this API trusts them and must therefore only be reachable from the gateway.
"""

import uuid
from typing import Annotated, Literal

from desk_infra.etags import etag, parse_if_match
from desk_infra.logs import bind_log_context
from desk_infra.problems import Problem, field_error
from fastapi import APIRouter, Depends, Header, Query, Request, Response
from helpdesk_contracts.api.common import Page
from helpdesk_contracts.api.tickets import (
    ActorRead,
    AuditEntryRead,
    DirectoryEntryRead,
    DirectoryImport,
    DirectoryKind,
    ImportResult,
    TenantRead,
    TenantUpsert,
    TicketCreate,
    TicketListQuery,
    TicketPage,
    TicketRead,
    TicketUpdate,
    TopicCreate,
    TopicRead,
    TopicUpdate,
)
from helpdesk_contracts.vocabulary import ActorKind

from desk_tickets.domain.access import Actor
from desk_tickets.domain.errors import (
    Forbidden,
    InUse,
    InvalidField,
    NotFound,
    TicketsError,
    VersionMismatch,
)
from desk_tickets.domain.model import Ticket
from desk_tickets.service_layer import tenants, ticket_list, tickets, topics
from desk_tickets.service_layer.unit_of_work import UnitOfWork
from desk_tickets.service_layer.views import ticket_json, ticket_page_json

router = APIRouter(prefix="/v1")


async def uow(request: Request) -> UnitOfWork:
    factory = request.app.state.uow_factory
    return factory()  # type: ignore[no-any-return]


async def actor(
    x_desk_tenant: Annotated[str, Header()],
    x_desk_user: Annotated[str, Header()],
    x_desk_kind: Annotated[ActorKind, Header()],
    x_desk_permissions: Annotated[str, Header()] = "",
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
    )


async def accepted_versions(
    if_match: Annotated[str | None, Header()] = None,
) -> frozenset[int] | None:
    """The versions ``If-Match`` names; None when it accepts any (or is absent)."""
    return parse_if_match(if_match)


UowDep = Annotated[UnitOfWork, Depends(uow)]
ActorDep = Annotated[Actor, Depends(actor)]
IfMatchDep = Annotated[frozenset[int] | None, Depends(accepted_versions)]


def ticket_response(ticket: Ticket, status: int = 200) -> Response:
    return Response(
        ticket_json(ticket),
        status_code=status,
        media_type="application/json",
        headers={"ETag": etag(ticket.version)},
    )


def to_problem(exc: TicketsError) -> Problem:
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
        case VersionMismatch():
            return Problem(
                412, str(exc), type_="version-mismatch", current_version=exc.current
            )
        case InUse():
            return Problem(409, str(exc), type_="in-use", title="Still in use")
        case _:
            return Problem(400, str(exc))


# --- tenants and directory ------------------------------------------------------


@router.put("/admin/tenants/{tenant_id}", response_model=TenantRead)
async def put_tenant(
    tenant_id: str, body: TenantUpsert, unit: UowDep, response: Response
) -> TenantRead:
    created = await tenants.upsert_tenant(unit, tenant_id, body)
    response.status_code = 201 if created else 200
    return await tenants.get_tenant(unit, tenant_id)


@router.get("/tenants/{tenant_id}", response_model=TenantRead)
async def get_tenant(tenant_id: str, unit: UowDep) -> TenantRead:
    return await tenants.get_tenant(unit, tenant_id)


@router.put("/admin/directory/{kind}", response_model=ImportResult)
async def put_directory(
    kind: DirectoryKind, body: DirectoryImport, unit: UowDep, who: ActorDep
) -> ImportResult:
    return await tenants.import_directory(unit, who.tenant_id, kind, body.entries)


@router.get("/directory/{kind}", response_model=list[DirectoryEntryRead])
async def search_directory(
    kind: DirectoryKind,
    unit: UowDep,
    who: ActorDep,
    q: Annotated[str, Query(max_length=100)] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> list[DirectoryEntryRead]:
    return await tenants.search_directory(unit, who.tenant_id, kind, q, limit)


# --- topics -----------------------------------------------------------------------


@router.get("/topics", response_model=list[TopicRead])
async def list_topics(
    unit: UowDep, who: ActorDep, active_only: bool = False
) -> list[TopicRead]:
    return await topics.list_topics(unit, who.tenant_id, active_only=active_only)


@router.post("/topics", response_model=TopicRead, status_code=201)
async def create_topic(body: TopicCreate, unit: UowDep, who: ActorDep) -> TopicRead:
    return await topics.create_topic(unit, who.tenant_id, body)


@router.get("/topics/{topic_id}", response_model=TopicRead)
async def get_topic(topic_id: uuid.UUID, unit: UowDep, who: ActorDep) -> TopicRead:
    return await topics.get_topic(unit, who.tenant_id, topic_id)


@router.patch("/topics/{topic_id}", response_model=TopicRead)
async def change_topic(
    topic_id: uuid.UUID, body: TopicUpdate, unit: UowDep, who: ActorDep
) -> TopicRead:
    return await topics.change_topic(unit, who.tenant_id, topic_id, body)


@router.post("/topics/{topic_id}/sub-topics", response_model=TopicRead, status_code=201)
async def create_sub_topic(
    topic_id: uuid.UUID, body: TopicCreate, unit: UowDep, who: ActorDep
) -> TopicRead:
    return await topics.create_topic(unit, who.tenant_id, body, parent_id=topic_id)


# --- tickets ----------------------------------------------------------------------


@router.post("/tickets", response_model=TicketRead, status_code=201)
async def open_ticket(body: TicketCreate, unit: UowDep, who: ActorDep) -> Response:
    ticket = await tickets.open_ticket(unit, who, body)
    bind_log_context(ticket_id=str(ticket.id))
    response = ticket_response(ticket, 201)
    response.headers["Location"] = f"/v1/tickets/{ticket.id}"
    return response


@router.get("/tickets", response_model=TicketPage)
async def list_tickets(
    unit: UowDep, who: ActorDep, query: Annotated[TicketListQuery, Query()]
) -> Response:
    filters = ticket_list.TicketFilters(
        statuses=tuple(query.status),
        priorities=tuple(query.priority),
        topic_id=query.topic_id,
        sub_topic_id=query.sub_topic_id,
        tags=tuple(query.tag),
        assigned_to_me=query.assigned_to_me,
        unassigned=query.unassigned,
        text=query.q,
        newest_first=query.sort == "-created_at",
    )
    page = await ticket_list.list_tickets(unit, who, filters, query.cursor, query.limit)
    return Response(ticket_page_json(page), media_type="application/json")


@router.get("/tickets/by-reference/{reference}", response_model=TicketRead)
async def get_ticket_by_reference(
    reference: str, unit: UowDep, who: ActorDep
) -> Response:
    return ticket_response(await tickets.get_ticket_by_reference(unit, who, reference))


@router.get("/tickets/{ticket_id}", response_model=TicketRead)
async def get_ticket(ticket_id: uuid.UUID, unit: UowDep, who: ActorDep) -> Response:
    return ticket_response(await tickets.get_ticket(unit, who, ticket_id))


@router.patch("/tickets/{ticket_id}", response_model=TicketRead)
async def change_ticket(
    ticket_id: uuid.UUID,
    body: TicketUpdate,
    unit: UowDep,
    who: ActorDep,
    versions: IfMatchDep,
) -> Response:
    bind_log_context(ticket_id=str(ticket_id))
    ticket = await tickets.change_ticket(unit, who, ticket_id, body, versions)
    return ticket_response(ticket)


@router.delete("/tickets/{ticket_id}", status_code=204)
async def delete_ticket(
    ticket_id: uuid.UUID, unit: UowDep, who: ActorDep, versions: IfMatchDep
) -> Response:
    bind_log_context(ticket_id=str(ticket_id))
    await tickets.delete_ticket(unit, who, ticket_id, versions)
    return Response(status_code=204)


@router.get("/tickets/{ticket_id}/audit", response_model=Page[AuditEntryRead])
async def ticket_audit(
    ticket_id: uuid.UUID,
    unit: UowDep,
    who: ActorDep,
    order: Literal["oldest", "newest"] = "oldest",
    cursor: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[AuditEntryRead]:
    rows, total = await tickets.ticket_audit(
        unit,
        who,
        ticket_id,
        newest_first=order == "newest",
        after=cursor,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        AuditEntryRead(
            id=r.id,
            ticket_id=r.ticket_id,
            at=r.at,
            actor=ActorRead(id=r.actor_id, kind=r.actor_kind),
            action=r.action,
            changes=r.changes,
        )
        for r in rows
    ]
    return Page[AuditEntryRead](
        items=items, next_cursor=str(rows[-1].id) if more else None, total=total
    )
