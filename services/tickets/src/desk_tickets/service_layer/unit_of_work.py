"""One transaction over the tickets database, with the events it will publish."""

from types import TracebackType
from typing import Any, Self

from desk_infra.outbox import Outbox
from helpdesk_contracts import Envelope
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from desk_tickets.adapters.comments import AttachmentRepository, CommentRepository
from desk_tickets.adapters.repository import (
    AuditRepository,
    DirectoryRepository,
    TenantRepository,
    TicketRepository,
    TopicRepository,
)
from desk_tickets.adapters.team_repository import TeamRepository
from desk_tickets.adapters.ticket_queries import TicketQueries


class UnitOfWork:
    """``async with uow:`` opens a transaction; ``commit`` writes events, then commits.

    Leaving the block without ``commit`` rolls everything back, events included.
    """

    tickets: TicketRepository
    topics: TopicRepository
    tenants: TenantRepository
    directory: DirectoryRepository
    audit: AuditRepository
    comments: CommentRepository
    attachments: AttachmentRepository
    teams: TeamRepository
    ticket_queries: TicketQueries

    def __init__(
        self, engine: AsyncEngine, outbox: Outbox, *, autocommit: bool = False
    ) -> None:
        self._engine = engine
        self._outbox = outbox
        self._autocommit = autocommit
        self._conn: AsyncConnection | None = None
        self._events: list[Envelope[Any]] = []

    def autocommit(self) -> "UnitOfWork":
        """A unit in which each statement commits by itself.

        For writes done in one statement, which then hold their locks only while
        the database runs it; ``publish`` is not available there.
        """
        return UnitOfWork(self._engine, self._outbox, autocommit=True)

    def event_rows(self, events: list[Envelope[Any]]) -> list[dict[str, Any]]:
        """Outbox rows for events a single-statement write inserts itself."""
        return self._outbox.rows(events)

    async def __aenter__(self) -> Self:
        self._conn = await self._engine.connect()
        if self._autocommit:
            self._conn = await self._conn.execution_options(
                isolation_level="AUTOCOMMIT"
            )
        else:
            await self._conn.begin()
        self.tickets = TicketRepository(self._conn)
        self.topics = TopicRepository(self._conn)
        self.tenants = TenantRepository(self._conn)
        self.directory = DirectoryRepository(self._conn)
        self.audit = AuditRepository(self._conn)
        self.comments = CommentRepository(self._conn)
        self.attachments = AttachmentRepository(self._conn)
        self.teams = TeamRepository(self._conn)
        self.ticket_queries = TicketQueries(self._conn)
        self._events = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._conn is not None
        try:
            if self._conn.in_transaction():
                await self._conn.rollback()
        finally:
            await self._conn.close()
            self._conn = None

    def publish(self, *events: Envelope[Any]) -> None:
        """Queue events to be written to the outbox at commit."""
        assert not self._autocommit, "events of an autocommit unit go in its statement"
        self._events.extend(events)

    async def commit(self) -> None:
        assert self._conn is not None
        await self._outbox.add(self._conn, self._events)
        await self._conn.commit()
        self._events = []
