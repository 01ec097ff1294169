"""The tickets database: tables, with the indexes the queries rely on."""

from datetime import datetime
from typing import Any

from desk_infra.db import stamped_now
from desk_infra.inbox import inbox_table
from desk_infra.outbox import outbox_table
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    DateTime,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.sql.elements import ColumnElement

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _timestamps() -> list[Column[datetime]]:
    return [
        stamped_now("created_at"),
        stamped_now("updated_at"),
    ]


tenants = Table(
    "tenants",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("owner_tenant_id", String(64)),
    Column("modules", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    *_timestamps(),
)

directory = Table(
    "directory_entries",
    metadata,
    Column("tenant_id", String(64), ForeignKey("tenants.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("id", String(128), nullable=False),
    Column("name", Text, nullable=False),
    Column("email", Text),
    Column("account_id", String(128)),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("attributes", JSONB, nullable=False, server_default=text("'{}'")),
    *_timestamps(),
    PrimaryKeyConstraint("tenant_id", "kind", "id"),
    CheckConstraint(
        "kind IN ('users', 'members', 'customers', 'locations')", name="kind"
    ),
    Index("directory_email_idx", "tenant_id", func.lower(text("email"))),
)

topics = Table(
    "topics",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), ForeignKey("tenants.id"), nullable=False),
    Column("parent_id", Uuid, ForeignKey("topics.id")),
    Column("name", String(100), nullable=False),
    Column("description", String(500)),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("sort_order", Integer, nullable=False, server_default=text("0")),
    Column("default_sla_id", Uuid),
    *_timestamps(),
    Index("topics_tenant_order_idx", "tenant_id", "parent_id", "sort_order", "name"),
)

reference_counters = Table(
    "reference_counters",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("year", Integer, nullable=False),
    Column("last_number", Integer, nullable=False),
    PrimaryKeyConstraint("tenant_id", "year"),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), ForeignKey("tenants.id"), nullable=False),
    Column("reference", String(32), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("description", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("priority", String(16), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("topic_id", Uuid, ForeignKey("topics.id")),
    Column("sub_topic_id", Uuid, ForeignKey("topics.id")),
    Column("requester_id", String(128)),
    # A sender the directory does not know, kept to answer them by mail.
    Column("requester_email", Text),
    Column("requester_name", Text),
    Column("created_by_id", String(128), nullable=False),
    Column("created_by_kind", String(16), nullable=False),
    Column("member_id", String(128)),
    Column("customer_id", String(128)),
    Column("location_id", String(128)),
    Column("latitude", Double),
    Column("longitude", Double),
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolved_by", String(128)),
    Column("closed_at", DateTime(timezone=True)),
    Column("closed_by", String(128)),
    Column("deleted_at", DateTime(timezone=True)),
    Column("version", Integer, nullable=False, server_default=text("1")),
    *_timestamps(),
    Column("tags", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    # The assignees again, as ``assignee_key``s, written with ticket_assignees: the
    # list's "assigned to me" and "unassigned" filters then need no join.
    Column("assignee_keys", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column(
        "search_document",
        TSVECTOR,
        Computed(
            "to_tsvector('simple'::regconfig, "
            "(subject::text || ' '::text) || description)",
            persisted=True,
        ),
    ),
    Index("tickets_reference_uq", "tenant_id", "reference", unique=True),
    Index(
        "tickets_tenant_created_idx",
        "tenant_id",
        "created_at",
        "id",
        postgresql_where=text("deleted_at IS NULL"),
    ),
    Index(
        "tickets_requester_idx",
        "tenant_id",
        "requester_id",
        "created_at",
        postgresql_where=text("deleted_at IS NULL"),
    ),
    CheckConstraint(
        "status IN ('open', 'in_progress', 'pending', 'resolved', 'closed')",
        name="status",
    ),
    CheckConstraint("priority IN ('low', 'medium', 'high', 'urgent')", name="priority"),
    CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="map_pin"),
)


def assignee_key(kind: str, assignee_id: str) -> str:
    """How an assignee is written in ``tickets.assignee_keys``: ``user:u1``."""
    return f"{kind}:{assignee_id}"


ticket_assignees = Table(
    "ticket_assignees",
    metadata,
    Column(
        "ticket_id", Uuid, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False
    ),
    Column("kind", String(8), nullable=False),
    Column("assignee_id", String(128), nullable=False),
    Column("is_primary", Boolean, nullable=False),
    stamped_now("added_at"),
    PrimaryKeyConstraint("ticket_id", "kind", "assignee_id"),
    Index(
        "ticket_one_primary_uq",
        "ticket_id",
        unique=True,
        postgresql_where=text("is_primary"),
    ),
    # ticket_id too, so that "assigned to me" reads the index only.
    Index("ticket_assignees_who_idx", "kind", "assignee_id", "ticket_id"),
    CheckConstraint("kind IN ('user', 'team')", name="kind"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("ticket_id", Uuid, nullable=False),
    stamped_now("at"),
    Column("actor_id", String(128), nullable=False),
    Column("actor_kind", String(16), nullable=False),
    Column("action", String(48), nullable=False),
    Column("changes", JSONB, nullable=False, server_default=text("'{}'")),
    Column("internal", Boolean, nullable=False, server_default=text("false")),
    Index("audit_ticket_idx", "ticket_id", "id"),
    ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
)

ticket_comments = Table(
    "ticket_comments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column(
        "ticket_id", Uuid, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False
    ),
    Column("author_id", String(128), nullable=False),
    Column("author_kind", String(16), nullable=False),
    Column("body", Text, nullable=False),
    Column("internal", Boolean, nullable=False, server_default=text("false")),
    Column("mentions", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("channel", String(16), nullable=False, server_default=text("'portal'")),
    stamped_now("created_at"),
    Column("deleted_at", DateTime(timezone=True)),
    Index("ticket_comments_ticket_idx", "ticket_id", "created_at"),
)

ticket_attachments = Table(
    "ticket_attachments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column(
        "ticket_id", Uuid, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False
    ),
    Column("comment_id", Uuid, ForeignKey("ticket_comments.id", ondelete="CASCADE")),
    Column("blob_key", Text, nullable=False),
    Column("filename", Text, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", Text),
    Column("thumbnail_key", Text),
    Column("internal", Boolean, nullable=False, server_default=text("false")),
    Column("uploaded_by", String(128), nullable=False),
    stamped_now("created_at"),
    Column("deleted_at", DateTime(timezone=True)),
    Index("ticket_attachments_ticket_idx", "ticket_id", "created_at"),
    Index("ticket_attachments_comment_idx", "comment_id"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)

# --- teams, tags and search (migration 0003) ---------------------------------------

teams = Table(
    "teams",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), ForeignKey("tenants.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("description", String(500), nullable=False, server_default=text("''")),
    Column("version", Integer, nullable=False, server_default=text("1")),
    *_timestamps(),
    Column("deleted_at", DateTime(timezone=True)),
    Index(
        "teams_name_uq",
        "tenant_id",
        func.lower(text("name")),
        unique=True,
        postgresql_where=text("deleted_at IS NULL"),
    ),
)

team_members = Table(
    "team_members",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("team_id", Uuid, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", String(128), nullable=False),
    PrimaryKeyConstraint("team_id", "user_id"),
    Index("team_members_user_idx", "tenant_id", "user_id"),
)

# The documents the Requests list searches; its queries use these same expressions,
# so that PostgreSQL matches them with the indexes.
SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")
TICKET_DOCUMENT = tickets.c.search_document
COMMENT_DOCUMENT = func.to_tsvector(SIMPLE, ticket_comments.c.body)
LIVE = text("deleted_at IS NULL")

# Tenant first in the GIN indexes (btree_gin, migration 0006): a search then reads
# only the tenant's entries instead of every tenant's, filtered afterwards.
Index(
    "tickets_search_idx",
    tickets.c.tenant_id,
    tickets.c.search_document,
    postgresql_using="gin",
    postgresql_where=LIVE,
)
Index(
    "tickets_reference_trgm_idx",
    tickets.c.reference,
    postgresql_using="gin",
    postgresql_ops={"reference": "gin_trgm_ops"},
)
Index(
    "tickets_subject_trgm_idx",
    tickets.c.tenant_id,
    tickets.c.subject,
    postgresql_using="gin",
    postgresql_ops={"subject": "gin_trgm_ops"},
    postgresql_where=LIVE,
)
Index(
    "tickets_tags_idx",
    tickets.c.tenant_id,
    tickets.c.tags,
    postgresql_using="gin",
    postgresql_where=LIVE,
)
Index(
    "tickets_assignee_keys_idx",
    tickets.c.tenant_id,
    tickets.c.assignee_keys,
    postgresql_using="gin",
    postgresql_where=LIVE,
)
# Unassigned tickets in page order, with their status so that counting the
# unassigned open ones reads this index only. The condition is written as the
# list query writes it, or PostgreSQL would not see that the index applies.
UNASSIGNED: ColumnElement[bool] = literal_column(
    "tickets.assignee_keys = '{}'::text[]", Boolean
)
Index(
    "tickets_tenant_unassigned_idx",
    tickets.c.tenant_id,
    tickets.c.created_at,
    tickets.c.id,
    postgresql_include=["status"],
    postgresql_where=text("deleted_at IS NULL AND assignee_keys = '{}'::text[]"),
)
Index(
    "tickets_tenant_priority_idx",
    tickets.c.tenant_id,
    tickets.c.priority,
    tickets.c.created_at,
    tickets.c.id,
    postgresql_include=["status"],  # counted with a status filter, index-only
    postgresql_where=LIVE,
)
Index(
    "tickets_tenant_topic_idx",
    tickets.c.tenant_id,
    tickets.c.topic_id,
    tickets.c.created_at,
    tickets.c.id,
    postgresql_include=["status"],  # counted with a status filter, index-only
    postgresql_where=LIVE,
)
Index(
    "tickets_tenant_status_idx",
    tickets.c.tenant_id,
    tickets.c.status,
    tickets.c.created_at,
    tickets.c.id,
    postgresql_where=LIVE,
)
Index(
    "directory_name_trgm_idx",
    directory.c.tenant_id,
    directory.c.kind,
    func.lower(directory.c.name).label("name_lower"),
    postgresql_using="gin",
    postgresql_ops={"name_lower": "gin_trgm_ops"},
)
Index(
    "directory_name_prefix_idx",
    directory.c.tenant_id,
    directory.c.kind,
    func.lower(directory.c.name).label("name_lower"),
    postgresql_ops={"name_lower": "text_pattern_ops"},
)
# The order of that index (bytewise, whatever the database's collation): a prefix
# search then reads its first names in order and stops.
DIRECTORY_NAME_ORDER: ColumnElement[Any] = literal_column(
    "lower(directory_entries.name) USING ~<~"
)
Index(
    "ticket_comments_search_idx",
    ticket_comments.c.tenant_id,
    COMMENT_DOCUMENT,
    _table=ticket_comments,
    postgresql_using="gin",
    postgresql_where=text("NOT internal AND deleted_at IS NULL"),
)
