"""The notifications database: the delivery log and the in-app inbox."""

from desk_infra.db import stamped_now
from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "pk": "pk_%(table_name)s",
    }
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("event_id", Uuid, nullable=False),
    # A user id, or ``mailto:<address>`` for a requester known only by address.
    Column("recipient_id", Text, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("tenant_id", String(64), nullable=False),
    Column("ticket_id", Uuid, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("1")),
    Column("address", Text),
    Column("message_id", Text),
    Column("error", Text),
    stamped_now("created_at"),
    stamped_now("updated_at"),
    PrimaryKeyConstraint("event_id", "recipient_id", "channel"),
    CheckConstraint("channel IN ('email', 'inbox')", name="channel"),
    CheckConstraint(
        "status IN ('sending', 'sent', 'retrying', 'failed', 'skipped')", name="status"
    ),
)
"""One row per event, person and channel: the key that makes sending idempotent.

``sending`` is written (and committed) before the mail server is called, ``sent``
after it accepted the message. ``retrying``: it failed in a way worth another try
(the event is redelivered later); ``failed``: it cannot succeed (a broken template,
a refused address), ``error`` says why; ``skipped``: the person has no address. A
``sending`` row older than the lease belongs to a worker that died and is taken
over, so a crash at the wrong moment can send a message twice, never lose it.
"""

notifications = Table(
    "notifications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("user_id", String(128), nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("ticket_id", Uuid, nullable=False),
    Column("reference", String(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    stamped_now("created_at"),
    Column("read_at", DateTime(timezone=True)),
    Index("notifications_user_idx", "tenant_id", "user_id", text("id DESC")),
    Index(
        "notifications_unread_idx",
        "tenant_id",
        "user_id",
        postgresql_where=text("read_at IS NULL"),
    ),
)
"""The in-app inbox; ids are UUIDv7, so ordering by id is ordering by arrival."""
