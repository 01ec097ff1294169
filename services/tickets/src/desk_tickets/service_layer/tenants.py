"""Tenants and the directory, both owned by the portal and imported from it."""

from helpdesk_contracts.api.tickets import (
    DirectoryEntryRead,
    DirectoryEntryUpsert,
    ImportResult,
    TenantRead,
    TenantUpsert,
)

from desk_tickets.domain.errors import InvalidField, NotFound
from desk_tickets.service_layer.unit_of_work import UnitOfWork


async def upsert_tenant(uow: UnitOfWork, tenant_id: str, cmd: TenantUpsert) -> bool:
    """Create or replace a tenant; true when it is new."""
    async with uow:
        created = await uow.tenants.upsert(
            {
                "id": tenant_id,
                "name": cmd.name,
                "owner_tenant_id": cmd.owner_tenant_id,
                "modules": sorted(set(cmd.modules)),
            }
        )
        await uow.commit()
    return created


async def get_tenant(uow: UnitOfWork, tenant_id: str) -> TenantRead:
    async with uow:
        row = await uow.tenants.get(tenant_id)
    if row is None:
        raise NotFound("tenant", tenant_id)
    return TenantRead.model_validate(row, from_attributes=True)


async def import_directory(
    uow: UnitOfWork, tenant_id: str, kind: str, entries: list[DirectoryEntryUpsert]
) -> ImportResult:
    async with uow:
        if await uow.tenants.get(tenant_id) is None:
            raise NotFound("tenant", tenant_id)
        unique = {e.id: e.model_dump() for e in entries}
        created = await uow.directory.upsert(tenant_id, kind, list(unique.values()))
        await uow.commit()
    return ImportResult(created=created, updated=len(unique) - created)


async def check_entry(
    uow: UnitOfWork, tenant_id: str, kind: str, entry_id: str, field: str
) -> None:
    """A new link or assignee must be an active entry of the tenant's directory;
    links made before an entry was deactivated stay as they are."""
    found = await uow.directory.active_of(tenant_id, kind, [entry_id])
    if entry_id not in found:
        raise InvalidField(field, f"no {kind[:-1]} {entry_id!r} in this tenant")
    if not found[entry_id]:
        raise InvalidField(field, f"{kind[:-1]} {entry_id!r} is inactive")


async def search_directory(
    uow: UnitOfWork, tenant_id: str, kind: str, query: str, limit: int
) -> list[DirectoryEntryRead]:
    """Type-to-search for new links: inactive entries are not offered."""
    async with uow:
        rows = await uow.directory.search(tenant_id, kind, query, limit)
    return [DirectoryEntryRead.model_validate(r, from_attributes=True) for r in rows]
