"""Reading and writing the tickets database, in SQLAlchemy Core over one connection."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from helpdesk_contracts.vocabulary import (
    ActorKind,
    AssigneeKind,
    Priority,
    TicketChannel,
    TicketStatus,
)
from sqlalchemy import (
    Row,
    Text,
    case,
    cast,
    delete,
    func,
    literal,
    literal_column,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from desk_tickets.adapters.numbering import TICKET_COLUMNS, insert_numbered_ticket
from desk_tickets.adapters.tables import (
    DIRECTORY_NAME_ORDER,
    assignee_key,
    audit_log,
    directory,
    tenants,
    ticket_assignees,
    tickets,
    topics,
)
from desk_tickets.domain.model import DONE_STATES, Assignee, Ticket


def ticket_from_row(row: Row[Any], assignees: Sequence[Assignee] = ()) -> Ticket:
    return Ticket(
        id=row.id,
        tenant_id=row.tenant_id,
        reference=row.reference,
        subject=row.subject,
        description=row.description,
        status=TicketStatus(row.status),
        priority=Priority(row.priority),
        channel=TicketChannel(row.channel),
        topic_id=row.topic_id,
        sub_topic_id=row.sub_topic_id,
        requester_id=row.requester_id,
        requester_email=row.requester_email,
        requester_name=row.requester_name,
        created_by_id=row.created_by_id,
        created_by_kind=ActorKind(row.created_by_kind),
        member_id=row.member_id,
        customer_id=row.customer_id,
        location_id=row.location_id,
        latitude=row.latitude,
        longitude=row.longitude,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        closed_at=row.closed_at,
        closed_by=row.closed_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        assignees=tuple(assignees),
        tags=tuple(row.tags),
    )


READ_COLUMNS = [
    c
    for c in tickets.c
    if c.name not in ("deleted_at", "search_document", "assignee_keys")
]


class TicketRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_numbered(
        self,
        ticket: Ticket,
        *,
        placeholder: str,
        audit_changes: dict[str, Any],
        events: list[dict[str, Any]],
    ) -> str:
        """Number and insert a new ticket with its audit entry and events, at once.

        Meant for an autocommit connection (see :mod:`.numbering`); ``placeholder``
        stands for the reference in ``audit_changes`` and the event bodies.
        """
        values = {name: getattr(ticket, name) for name in TICKET_COLUMNS}
        values["tags"] = list(ticket.tags)
        rows = [
            {"kind": a.kind.value, "assignee_id": a.id, "is_primary": a.primary}
            for a in ticket.assignees
        ]
        return await insert_numbered_ticket(
            self._conn,
            year=ticket.created_at.year,
            placeholder=placeholder,
            ticket=values,
            assignees=rows,
            actor=(ticket.created_by_id, ticket.created_by_kind.value),
            changes_json=orjson.dumps(audit_changes).decode(),
            events=events,
        )

    async def get(
        self,
        tenant_id: str,
        ticket_id: uuid.UUID,
        *,
        for_update: bool = False,
        deleted: bool = False,
    ) -> Ticket | None:
        """The ticket, or None; a deleted one too with ``deleted``."""
        statement = select(*READ_COLUMNS).where(
            tickets.c.id == ticket_id, tickets.c.tenant_id == tenant_id
        )
        if not deleted:
            statement = statement.where(tickets.c.deleted_at.is_(None))
        if for_update:
            statement = statement.with_for_update()
        row = (await self._conn.execute(statement)).first()
        if row is None:
            return None
        assignees = await self.assignees([ticket_id])
        return ticket_from_row(row, assignees.get(ticket_id, ()))

    async def get_by_reference(self, tenant_id: str, reference: str) -> Ticket | None:
        statement = select(tickets.c.id).where(
            tickets.c.tenant_id == tenant_id,
            tickets.c.reference == reference,
            tickets.c.deleted_at.is_(None),
        )
        ticket_id = (await self._conn.execute(statement)).scalar_one_or_none()
        return None if ticket_id is None else await self.get(tenant_id, ticket_id)

    async def save(self, ticket: Ticket, values: dict[str, Any]) -> None:
        """Write changed columns and bump the version (already set on ``ticket``)."""
        await self._conn.execute(
            update(tickets)
            .where(tickets.c.id == ticket.id)
            .values(**values, version=ticket.version, updated_at=ticket.updated_at)
        )

    async def mark_deleted(
        self, ticket_id: uuid.UUID, at: datetime, version: int
    ) -> None:
        await self._conn.execute(
            update(tickets)
            .where(tickets.c.id == ticket_id)
            .values(deleted_at=at, updated_at=at, version=version)
        )

    async def assignees(
        self, ticket_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, list[Assignee]]:
        ids = list(ticket_ids)
        found: dict[uuid.UUID, list[Assignee]] = {i: [] for i in ids}
        if not ids:
            return found
        rows = await self._conn.execute(
            select(ticket_assignees)
            .where(ticket_assignees.c.ticket_id.in_(ids))
            .order_by(ticket_assignees.c.is_primary.desc(), ticket_assignees.c.added_at)
        )
        for row in rows:
            found[row.ticket_id].append(
                Assignee(AssigneeKind(row.kind), row.assignee_id, row.is_primary)
            )
        return found

    async def unresolved_assigned(
        self, tenant_id: str, kind: str, assignee_id: str, sample: int = 5
    ) -> tuple[int, list[str]]:
        """How many live, unresolved tickets have this assignee, and a few of
        their references, newest first."""
        where = (
            tickets.c.tenant_id == tenant_id,
            tickets.c.deleted_at.is_(None),
            tickets.c.status.not_in([s.value for s in DONE_STATES]),
            tickets.c.assignee_keys.op("&&")(
                cast([assignee_key(kind, assignee_id)], ARRAY(Text))
            ),
        )
        count = await self._conn.scalar(select(func.count()).where(*where))
        references = await self._conn.scalars(
            select(tickets.c.reference)
            .where(*where)
            .order_by(tickets.c.created_at.desc())
            .limit(sample)
        )
        return int(count or 0), list(references)

    async def replace_assignees(
        self, ticket_id: uuid.UUID, assignees: Sequence[Assignee]
    ) -> None:
        """Make ``assignees`` the ticket's, in their order. Those who stay keep
        when they were added, but a demoted primary joins the additional ones
        now: additional assignees are read in the order they became one."""
        a = ticket_assignees
        kept = [(x.kind.value, x.id) for x in assignees]
        await self._conn.execute(
            delete(a).where(
                a.c.ticket_id == ticket_id,
                tuple_(a.c.kind, a.c.assignee_id).not_in(kept) if kept else true(),
            )
        )
        await self._conn.execute(
            update(tickets)
            .where(tickets.c.id == ticket_id)
            .values(assignee_keys=[assignee_key(k, i) for k, i in kept])
        )
        if not assignees:
            return
        now = datetime.now(UTC)
        rows = [
            {
                "ticket_id": ticket_id,
                "kind": x.kind.value,
                "assignee_id": x.id,
                "is_primary": x.primary,
                "added_at": now + timedelta(microseconds=n),
            }
            for n, x in enumerate(assignees)
        ]
        upsert = insert(a)
        upsert = upsert.on_conflict_do_update(
            index_elements=[a.c.ticket_id, a.c.kind, a.c.assignee_id],
            set_={
                "is_primary": upsert.excluded.is_primary,
                "added_at": case(
                    (
                        a.c.is_primary & ~upsert.excluded.is_primary,
                        upsert.excluded.added_at,
                    ),
                    else_=a.c.added_at,
                ),
            },
        )
        # The old primary is demoted before the new one is promoted: the
        # one-primary index is checked row by row.
        for row in sorted(rows, key=lambda r: bool(r["is_primary"])):
            await self._conn.execute(upsert, row)


class AuditRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def record(self, entries: Sequence[dict[str, Any]]) -> None:
        if entries:
            await self._conn.execute(audit_log.insert(), list(entries))

    async def page(
        self,
        ticket_id: uuid.UUID,
        *,
        newest_first: bool,
        after: int | None,
        limit: int,
        include_internal: bool = True,
    ) -> list[Row[Any]]:
        """A page of entries; filtered here, not after, so a page is never short."""
        statement = select(audit_log).where(audit_log.c.ticket_id == ticket_id)
        if not include_internal:
            statement = statement.where(audit_log.c.internal.is_(False))
        if after is not None:
            statement = statement.where(
                audit_log.c.id < after if newest_first else audit_log.c.id > after
            )
        order = audit_log.c.id.desc() if newest_first else audit_log.c.id
        return list(
            (await self._conn.execute(statement.order_by(order).limit(limit))).all()
        )

    async def count(self, ticket_id: uuid.UUID, *, include_internal: bool) -> int:
        statement = select(func.count()).where(audit_log.c.ticket_id == ticket_id)
        if not include_internal:
            statement = statement.where(audit_log.c.internal.is_(False))
        return int((await self._conn.execute(statement)).scalar_one())


class TopicRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, tenant_id: str, topic_id: uuid.UUID) -> Row[Any] | None:
        statement = select(topics).where(
            topics.c.id == topic_id, topics.c.tenant_id == tenant_id
        )
        return (await self._conn.execute(statement)).first()

    async def all(self, tenant_id: str, *, active_only: bool) -> list[Row[Any]]:
        statement = select(topics).where(topics.c.tenant_id == tenant_id)
        if active_only:
            statement = statement.where(topics.c.active)
        statement = statement.order_by(topics.c.sort_order, func.lower(topics.c.name))
        return list((await self._conn.execute(statement)).all())

    async def add(self, values: dict[str, Any]) -> Row[Any]:
        statement = topics.insert().values(values).returning(topics)
        row: Row[Any] = (await self._conn.execute(statement)).one()
        return row

    async def change(self, topic_id: uuid.UUID, values: dict[str, Any]) -> Row[Any]:
        statement = (
            update(topics)
            .where(topics.c.id == topic_id)
            .values(**values, updated_at=func.now())
            .returning(topics)
        )
        row: Row[Any] = (await self._conn.execute(statement)).one()
        return row


class TenantRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, tenant_id: str) -> Row[Any] | None:
        statement = select(tenants).where(tenants.c.id == tenant_id)
        return (await self._conn.execute(statement)).first()

    async def upsert(self, values: dict[str, Any]) -> bool:
        """Create or replace; true when the tenant is new."""
        statement: Any = (
            insert(tenants)
            .values(values)
            .on_conflict_do_update(
                index_elements=["id"],
                set_={
                    **{k: v for k, v in values.items() if k != "id"},
                    "updated_at": func.now(),
                },
            )
            .returning(literal_column("xmax = 0").label("inserted"))
        )
        return bool((await self._conn.execute(statement)).scalar_one())


class DirectoryRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def upsert(
        self, tenant_id: str, kind: str, entries: Sequence[dict[str, Any]]
    ) -> int:
        """Create or replace entries; returns how many were new."""
        if not entries:
            return 0
        rows = [{**e, "tenant_id": tenant_id, "kind": kind} for e in entries]
        base = insert(directory).values(rows)
        statement = base.on_conflict_do_update(
            index_elements=["tenant_id", "kind", "id"],
            set_={
                "name": base.excluded.name,
                "email": base.excluded.email,
                "account_id": base.excluded.account_id,
                "active": base.excluded.active,
                "attributes": base.excluded.attributes,
                "updated_at": func.now(),
            },
        ).returning(directory.c.created_at == directory.c.updated_at)
        result = await self._conn.execute(statement)
        return sum(1 for (new,) in result if new)

    async def existing(self, tenant_id: str, kind: str, ids: Iterable[str]) -> set[str]:
        wanted = list(ids)
        if not wanted:
            return set()
        statement = select(directory.c.id).where(
            directory.c.tenant_id == tenant_id,
            directory.c.kind == kind,
            directory.c.id.in_(wanted),
        )
        return set((await self._conn.execute(statement)).scalars())

    async def active_of(
        self, tenant_id: str, kind: str, ids: Iterable[str]
    ) -> dict[str, bool]:
        """The ids that name entries, each with whether its entry is active."""
        wanted = list(ids)
        if not wanted:
            return {}
        statement = select(directory.c.id, directory.c.active).where(
            directory.c.tenant_id == tenant_id,
            directory.c.kind == kind,
            directory.c.id.in_(wanted),
        )
        return {i: active for i, active in await self._conn.execute(statement)}

    async def get(self, tenant_id: str, kind: str, entry_id: str) -> Row[Any] | None:
        statement = select(directory).where(
            directory.c.tenant_id == tenant_id,
            directory.c.kind == kind,
            directory.c.id == entry_id,
        )
        return (await self._conn.execute(statement)).first()

    async def search(
        self, tenant_id: str, kind: str, query: str, limit: int
    ) -> list[Row[Any]]:
        """Active entries whose names start with ``query``, alphabetically; when
        they do not fill the page, those whose names hold a word close to it
        (pg_trgm's word similarity, so typos match), best first."""
        typed = query.strip().lower()
        mine = (
            directory.c.tenant_id == tenant_id,
            directory.c.kind == kind,
            directory.c.active,
        )
        name = func.lower(directory.c.name)
        starts = name.startswith(typed, autoescape=True)
        found = list(
            await self._conn.execute(
                select(directory)
                .where(*mine, starts)
                .order_by(DIRECTORY_NAME_ORDER, directory.c.id)
                .limit(limit)
            )
        )
        if len(found) == limit or len(typed) < FUZZY_FROM:
            return found
        close = (
            select(directory)
            .where(*mine, literal(typed).op("<%")(name), ~starts)
            .order_by(func.word_similarity(typed, name).desc(), name, directory.c.id)
            .limit(limit - len(found))
        )
        return found + list(await self._conn.execute(close))


FUZZY_FROM = 3  # characters; shorter text has too few trigrams to compare
