"""Registering tenants and users, and the demo data, through the tickets use cases."""

from desk_infra.db import create_engine
from desk_infra.outbox import Outbox
from desk_tickets.adapters import tables
from desk_tickets.config import TicketsSettings
from desk_tickets.domain.errors import NotFound
from desk_tickets.service_layer import tenants, topics
from desk_tickets.service_layer.unit_of_work import UnitOfWork
from helpdesk_contracts.api.tickets import (
    DirectoryEntryUpsert,
    TenantUpsert,
    TopicCreate,
)
from helpdesk_contracts.permissions import SUPPORT_MODULE

DEMO_TENANT = "demo"
DEMO_OWNER = "demo-hq"
DEMO_USERS = [
    ("olivia", "Olivia Operator", "olivia@demo.example"),
    ("oscar", "Oscar Operator", "oscar@demo.example"),
    ("rita", "Rita Requester", "rita@demo.example"),
]
DEMO_REQUESTERS = {"rita"}
DEMO_TOPICS = {
    "Facilities": ["Heating", "Plumbing", "Electrical"],
    "IT": ["Hardware", "Accounts and access", "Network"],
    "Billing": ["Invoices", "Refunds"],
}


class Seeder:
    """Writes through the tickets service's own use cases, in its database."""

    def __init__(self) -> None:
        settings = TicketsSettings()
        self._engine = create_engine(settings, settings.tickets_database)
        self._outbox = Outbox(tables.outbox)

    def _uow(self) -> UnitOfWork:
        return UnitOfWork(self._engine, self._outbox)

    async def close(self) -> None:
        await self._engine.dispose()

    async def ensure_tenant(
        self, tenant_id: str, name: str, owner: str | None = None
    ) -> bool:
        """Register the tenant with Support enabled unless it exists; true if new."""
        try:
            await tenants.get_tenant(self._uow(), tenant_id)
        except NotFound:
            cmd = TenantUpsert(
                name=name, owner_tenant_id=owner, modules=[SUPPORT_MODULE]
            )
            return await tenants.upsert_tenant(self._uow(), tenant_id, cmd)
        return False

    async def ensure_user(
        self,
        tenant_id: str,
        user_id: str,
        name: str,
        email: str | None,
        *,
        requester: bool = False,
    ) -> None:
        """Register the user in the directory, marked as a requester when one."""
        attributes = {"role": "requester"} if requester else {}
        entry = DirectoryEntryUpsert(
            id=user_id, name=name, email=email, attributes=attributes
        )
        await tenants.import_directory(self._uow(), tenant_id, "users", [entry])

    async def seed_demo(self) -> list[str]:
        """The demo tenant, its owner, users and topics; returns what it made."""
        made = []
        if await self.ensure_tenant(DEMO_OWNER, "Demo Headquarters"):
            made.append(f"tenant {DEMO_OWNER}")
        if await self.ensure_tenant(DEMO_TENANT, "Demo Property Co", owner=DEMO_OWNER):
            made.append(f"tenant {DEMO_TENANT} (owner {DEMO_OWNER})")
        for user_id, name, email in DEMO_USERS:
            requester = user_id in DEMO_REQUESTERS
            await self.ensure_user(
                DEMO_TENANT, user_id, name, email, requester=requester
            )
        made.append(f"{len(DEMO_USERS)} users")
        existing = {
            t.name
            for t in await topics.list_topics(
                self._uow(), DEMO_TENANT, active_only=False
            )
        }
        for order, (name, subs) in enumerate(DEMO_TOPICS.items()):
            if name in existing:
                continue
            topic = await topics.create_topic(
                self._uow(), DEMO_TENANT, TopicCreate(name=name, sort_order=order * 10)
            )
            for sub_order, sub in enumerate(subs):
                await topics.create_topic(
                    self._uow(),
                    DEMO_TENANT,
                    TopicCreate(name=sub, sort_order=sub_order * 10),
                    parent_id=topic.id,
                )
            made.append(f"topic {name} with {len(subs)} sub-topics")
        return made
