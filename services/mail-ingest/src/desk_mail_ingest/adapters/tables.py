"""The mail database: mailboxes, every message received, and the outbox."""

from desk_infra.db import stamped_now
from desk_infra.outbox import outbox_table
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    func,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

mailboxes = Table(
    "mailboxes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("address", Text, nullable=False),
    Column("tenant_id", String(64), nullable=False),
    Column("default_topic_id", Uuid),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    # The address the desk's mail about the tenant's tickets names in Reply-To.
    Column("reply", Boolean, nullable=False, server_default=text("false")),
    Column("imap_host", Text),
    Column("imap_port", Integer),
    Column("imap_user", Text),
    Column("imap_password", Text),
    Column("imap_folder", Text, nullable=False, server_default=text("'INBOX'")),
    Column("imap_tls", Boolean, nullable=False, server_default=text("true")),
    Column("last_polled_at", DateTime(timezone=True)),
    Column("last_error", Text),
    stamped_now("created_at"),
    stamped_now("updated_at"),
    Index("mailboxes_address_uq", func.lower(text("address")), unique=True),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("mailbox_id", Uuid, ForeignKey("mailboxes.id"), nullable=False),
    Column("tenant_id", String(64), nullable=False),
    Column("message_id", Text, nullable=False),
    Column("source", String(8), nullable=False),
    Column("envelope_from", Text),
    Column("from_address", Text, nullable=False, server_default=text("''")),
    Column("subject", Text, nullable=False, server_default=text("''")),
    Column("size", BigInteger, nullable=False),
    Column("raw_blob_key", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    stamped_now("received_at"),
    Column("replayed_at", DateTime(timezone=True)),
    CheckConstraint("status IN ('accepted', 'ignored', 'quarantined')", name="status"),
    CheckConstraint("source IN ('smtp', 'imap', 'upload')", name="source"),
    # One ticket per message and tenant, however many of its mailboxes it reached.
    Index(
        "messages_accepted_uq",
        "tenant_id",
        "message_id",
        unique=True,
        postgresql_where=text("status = 'accepted'"),
    ),
    Index("messages_sender_idx", "mailbox_id", "from_address", "received_at"),
    Index("messages_status_idx", "tenant_id", "status", "received_at"),
)

outbox = outbox_table(metadata)
