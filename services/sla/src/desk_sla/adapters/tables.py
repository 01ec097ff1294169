"""The SLA database: calendars and definitions per tenant, the outbox and the inbox."""

from desk_infra.db import stamped_now
from desk_infra.inbox import inbox_table
from desk_infra.outbox import outbox_table
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Double,
    ForeignKey,
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


# Live clocks. A clock snapshots the definition and calendar it attached with, so
# editing a definition never moves the deadlines of clocks already running.
definition_snapshots = Table(
    "sla_definition_snapshots",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("definition_id", Uuid, nullable=False),
    Column("definition_version", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("body", JSONB, nullable=False),
    Column("calendar", JSONB),
    stamped_now("created_at"),
)

# What the SLA service knows of each ticket, from the ticket events. Each part
# is replaced only by an event of a newer aggregate version.
ticket_projection = Table(
    "sla_tickets",
    metadata,
    Column("ticket_id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("reference", String(32), nullable=False),
    Column("subject", Text, nullable=False, server_default=text("''")),
    Column("priority", String(16), nullable=False, server_default=text("'medium'")),
    Column("requester_id", String(128)),
    Column("primary_assignee", JSONB),
    Column("additional_assignees", JSONB, nullable=False, server_default=text("'[]'")),
    Column("snapshot_version", Integer, nullable=False, server_default=text("0")),
    Column("assignees_version", Integer, nullable=False, server_default=text("0")),
    Column("topic_version", Integer, nullable=False, server_default=text("0")),
    Column("deleted_at", DateTime(timezone=True)),
)

ticket_statuses = Table(
    "sla_ticket_statuses",
    metadata,
    Column("ticket_id", Uuid, nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("ticket_id", "version"),
)

clocks = Table(
    "sla_clocks",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("ticket_id", Uuid, nullable=False),
    Column(
        "snapshot_id", Uuid, ForeignKey("sla_definition_snapshots.id"), nullable=False
    ),
    Column("definition_id", Uuid, nullable=False),
    Column("manual", Boolean, nullable=False),
    Column("attached_version", Integer, nullable=False),
    Column("attached_at", DateTime(timezone=True), nullable=False),
    Column("warning_budget", Double),  # none: the definition has no warning
    Column("breach_budget", Double, nullable=False),
    Column("phase", String(16), nullable=False),
    Column("elapsed_seconds", Double, nullable=False, server_default=text("0")),
    Column("running_since", DateTime(timezone=True)),
    Column("stopped_at", DateTime(timezone=True)),
    Column("warning_due_at", DateTime(timezone=True)),
    Column("breach_due_at", DateTime(timezone=True)),
    Column("warning_fired_at", DateTime(timezone=True)),
    Column("breach_fired_at", DateTime(timezone=True)),
    # The earliest point not yet fired: the one column the timer workers scan.
    Column("next_due_at", DateTime(timezone=True)),
    Column("detached_at", DateTime(timezone=True)),
    Column("version", Integer, nullable=False, server_default=text("1")),
    stamped_now("updated_at"),
    Index("sla_clocks_ticket_idx", "ticket_id"),
    Index(
        "sla_clocks_next_due_idx",
        "next_due_at",
        postgresql_where=text("next_due_at IS NOT NULL"),
    ),
    Index(
        "sla_clocks_one_automatic_uq",
        "ticket_id",
        unique=True,
        postgresql_where=text("NOT manual AND detached_at IS NULL"),
    ),
    Index(
        "sla_clocks_one_manual_uq",
        "ticket_id",
        "definition_id",
        unique=True,
        postgresql_where=text("manual AND detached_at IS NULL"),
    ),
    CheckConstraint(
        "phase IN ('running', 'paused', 'completed', 'detached')", name="phase"
    ),
)
