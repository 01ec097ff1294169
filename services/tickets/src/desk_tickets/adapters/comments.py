"""Reading and writing comments, attachment records and the users they mention."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from helpdesk_contracts.vocabulary import ActorKind, TicketChannel
from sqlalchemy import (
    ARRAY,
    Row,
    Text,
    any_,
    bindparam,
    func,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from desk_tickets.adapters.comment_posting import insert_recorded_comment
from desk_tickets.adapters.repository import READ_COLUMNS, ticket_from_row
from desk_tickets.adapters.tables import (
    directory,
    ticket_attachments,
    ticket_comments,
    tickets,
)
from desk_tickets.domain.comments import Attachment, Comment
from desk_tickets.domain.mentions import MentionedUser
from desk_tickets.domain.model import Ticket

CommentCursor = tuple[datetime, uuid.UUID]
"""Where a page of comments or attachments ends: its last one's time and id."""
# Built once: on the comment path, making a statement and its cache key anew
# each time cost more than PostgreSQL took to run it.
_TICKET = select(*READ_COLUMNS).where(
    tickets.c.id == bindparam("ticket_id"),
    tickets.c.tenant_id == bindparam("tenant_id"),
    tickets.c.deleted_at.is_(None),
)
_USERS = select(
    directory.c.id,
    directory.c.name,
    (directory.c.attributes["role"].astext == "requester").label("requester"),
).where(
    directory.c.tenant_id == bindparam("tenant_id"),
    directory.c.kind == "users",
    directory.c.active.is_(True),
    or_(
        directory.c.id == any_(bindparam("ids", type_=ARRAY(Text))),
        func.lower(directory.c.name) == any_(bindparam("names", type_=ARRAY(Text))),
    ),
)
_ATTACHMENT_COLUMNS = [c.name for c in ticket_attachments.c if c.name != "deleted_at"]


def _attachment(row: Row[Any]) -> Attachment:
    return Attachment(
        id=row.id,
        tenant_id=row.tenant_id,
        ticket_id=row.ticket_id,
        comment_id=row.comment_id,
        blob_key=row.blob_key,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        thumbnail_key=row.thumbnail_key,
        internal=row.internal,
        uploaded_by=row.uploaded_by,
        created_at=row.created_at,
    )


def _comment(row: Row[Any], attachments: Sequence[Attachment] = ()) -> Comment:
    return Comment(
        id=row.id,
        tenant_id=row.tenant_id,
        ticket_id=row.ticket_id,
        author_id=row.author_id,
        author_kind=ActorKind(row.author_kind),
        body=row.body,
        internal=row.internal,
        mentions=tuple(row.mentions),
        channel=TicketChannel(row.channel),
        created_at=row.created_at,
        attachments=tuple(attachments),
    )


def _comment_values(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "tenant_id": comment.tenant_id,
        "ticket_id": comment.ticket_id,
        "author_id": comment.author_id,
        "author_kind": comment.author_kind.value,
        "body": comment.body,
        "internal": comment.internal,
        "mentions": list(comment.mentions),
        "channel": comment.channel.value,
        "created_at": comment.created_at,
    }


def _shown(table: Any, ticket_id: uuid.UUID, include_internal: bool) -> list[Any]:
    clauses = [table.c.ticket_id == ticket_id, table.c.deleted_at.is_(None)]
    if not include_internal:
        clauses.append(table.c.internal.is_(False))
    return clauses


class CommentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def ticket(self, tenant_id: str, ticket_id: uuid.UUID) -> Ticket | None:
        """The ticket a comment goes on, without its assignees (one query less):
        who may see it does not depend on them."""
        values = {"ticket_id": ticket_id, "tenant_id": tenant_id}
        row = (await self._conn.execute(_TICKET, values)).first()
        return None if row is None else ticket_from_row(row)

    async def add_recorded(
        self,
        comment: Comment,
        audit: dict[str, Any],
        events: list[dict[str, Any]],
    ) -> bool:
        """Insert the comment, its audit entry and its outbox rows in one statement;
        False, and nothing written, if its id is taken."""
        return await insert_recorded_comment(
            self._conn, _comment_values(comment), audit, events
        )

    async def add(self, comment: Comment) -> bool:
        """Insert the comment; False if one with its id exists already."""
        statement = (
            insert(ticket_comments)
            .values(_comment_values(comment))
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(ticket_comments.c.id)
        )
        return (await self._conn.execute(statement)).first() is not None

    async def get(
        self,
        tenant_id: str,
        ticket_id: uuid.UUID,
        comment_id: uuid.UUID,
        *,
        for_update: bool = False,
    ) -> Comment | None:
        statement = select(ticket_comments).where(
            ticket_comments.c.id == comment_id,
            ticket_comments.c.tenant_id == tenant_id,
            ticket_comments.c.ticket_id == ticket_id,
            ticket_comments.c.deleted_at.is_(None),
        )
        if for_update:
            statement = statement.with_for_update()
        row = (await self._conn.execute(statement)).first()
        if row is None:
            return None
        files = await AttachmentRepository(self._conn).of_comments([comment_id])
        return _comment(row, files.get(comment_id, ()))

    async def page(
        self,
        ticket_id: uuid.UUID,
        *,
        include_internal: bool,
        newest_first: bool,
        after: CommentCursor | None,
        limit: int,
    ) -> list[Comment]:
        key = tuple_(ticket_comments.c.created_at, ticket_comments.c.id)
        statement = select(ticket_comments).where(
            *_shown(ticket_comments, ticket_id, include_internal)
        )
        if after is not None:
            cursor = tuple_(*after)
            statement = statement.where(key < cursor if newest_first else key > cursor)
        order = (
            (ticket_comments.c.created_at.desc(), ticket_comments.c.id.desc())
            if newest_first
            else (ticket_comments.c.created_at, ticket_comments.c.id)
        )
        rows = (await self._conn.execute(statement.order_by(*order).limit(limit))).all()
        files = await AttachmentRepository(self._conn).of_comments(r.id for r in rows)
        return [_comment(r, files.get(r.id, ())) for r in rows]

    async def count(self, ticket_id: uuid.UUID, *, include_internal: bool) -> int:
        statement = select(func.count()).where(
            *_shown(ticket_comments, ticket_id, include_internal)
        )
        return int((await self._conn.execute(statement)).scalar_one())

    async def mark_deleted(self, comment_id: uuid.UUID, at: datetime) -> None:
        await self._conn.execute(
            update(ticket_comments)
            .where(ticket_comments.c.id == comment_id)
            .values(deleted_at=at)
        )

    async def users(self, tenant_id: str, names: Iterable[str]) -> list[MentionedUser]:
        """Active users whose id is one of ``names`` or whose name is, in any case."""
        wanted = list(names)
        if not wanted:
            return []
        folded = [n.lower() for n in wanted]
        values = {"tenant_id": tenant_id, "ids": wanted, "names": folded}
        rows = await self._conn.execute(_USERS, values)
        return [
            MentionedUser(id=r.id, name=r.name, requester=bool(r.requester))
            for r in rows
        ]


class AttachmentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, attachments: Sequence[Attachment]) -> None:
        if not attachments:
            return
        rows = [
            {name: getattr(a, name) for name in _ATTACHMENT_COLUMNS}
            for a in attachments
        ]
        await self._conn.execute(insert(ticket_attachments), rows)

    async def get(
        self, tenant_id: str, ticket_id: uuid.UUID, attachment_id: uuid.UUID
    ) -> Attachment | None:
        statement = select(ticket_attachments).where(
            ticket_attachments.c.id == attachment_id,
            ticket_attachments.c.tenant_id == tenant_id,
            ticket_attachments.c.ticket_id == ticket_id,
            ticket_attachments.c.deleted_at.is_(None),
        )
        row = (await self._conn.execute(statement)).first()
        return None if row is None else _attachment(row)

    async def page(
        self,
        ticket_id: uuid.UUID,
        *,
        include_internal: bool,
        after: CommentCursor | None,
        limit: int,
    ) -> list[Attachment]:
        """The ticket's files (its comments' too) in the order they came."""
        a = ticket_attachments
        statement = select(a).where(*_shown(a, ticket_id, include_internal))
        if after is not None:
            statement = statement.where(tuple_(a.c.created_at, a.c.id) > tuple_(*after))
        statement = statement.order_by(a.c.created_at, a.c.id).limit(limit)
        return [_attachment(r) for r in await self._conn.execute(statement)]

    async def count(self, ticket_id: uuid.UUID, *, include_internal: bool) -> int:
        statement = select(func.count()).where(
            *_shown(ticket_attachments, ticket_id, include_internal)
        )
        return int((await self._conn.execute(statement)).scalar_one())

    async def of_comments(
        self, comment_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, list[Attachment]]:
        ids = list(comment_ids)
        found: dict[uuid.UUID, list[Attachment]] = {}
        if not ids:
            return found
        statement = (
            select(ticket_attachments)
            .where(
                ticket_attachments.c.comment_id.in_(ids),
                ticket_attachments.c.deleted_at.is_(None),
            )
            .order_by(ticket_attachments.c.created_at, ticket_attachments.c.id)
        )
        for row in await self._conn.execute(statement):
            found.setdefault(row.comment_id, []).append(_attachment(row))
        return found

    async def mark_deleted(self, ids: Iterable[uuid.UUID], at: datetime) -> None:
        wanted = list(ids)
        if wanted:
            await self._conn.execute(
                update(ticket_attachments)
                .where(ticket_attachments.c.id.in_(wanted))
                .values(deleted_at=at)
            )
