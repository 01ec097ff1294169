"""The SLA database: calendars and definitions per tenant, the outbox and the inbox."""

from desk_infra.db import stamped_now
from desk_infra.inbox import inbox_table
from desk_infra.outbox import outbox_table
from sqlalchemy import (
    Column,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

calendars = Table(
    "sla_calendars",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("id", Uuid, nullable=False),
    Column("name", Text, nullable=False),
    # The calendar document of ``desk_sla.domain.calendar``, as validated.
    Column("document", JSONB, nullable=False),
    Column("version", Integer, nullable=False, server_default=text("1")),
    stamped_now("created_at"),
    stamped_now("updated_at"),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    PrimaryKeyConstraint("tenant_id", "id"),
    Index(
        "sla_calendars_name_uq",
        "tenant_id",
        func.lower(text("name")),
        unique=True,
        postgresql_where=text("deleted_at IS NULL"),
    ),
)

definitions = Table(
    "sla_definitions",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("id", Uuid, nullable=False),
    Column("name", Text, nullable=False),
    Column("calendar_id", Uuid, nullable=True),  # none: the clock runs 24/7
    # The rest of the definition (points, templates, notify, actions, statuses),
    # as ``helpdesk_contracts.api.sla.SlaDefinitionBody`` validates it.
    Column("body", JSONB, nullable=False),
    Column("version", Integer, nullable=False, server_default=text("1")),
    stamped_now("created_at"),
    stamped_now("updated_at"),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(
        ["tenant_id", "calendar_id"],
        ["sla_calendars.tenant_id", "sla_calendars.id"],
    ),
    Index(
        "sla_definitions_name_uq",
        "tenant_id",
        func.lower(text("name")),
        unique=True,
        postgresql_where=text("deleted_at IS NULL"),
    ),
    Index("sla_definitions_calendar_idx", "tenant_id", "calendar_id"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
