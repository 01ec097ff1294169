"""store the tickets' search document

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 19:45:00

0003 indexed the expression; the Requests list also tests it row by row while it
walks the newest tickets, and computing it for each row cost 50-80 us. A stored
generated column is computed once, on write. Adding it rewrites ``tickets``.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DOCUMENT = (
    "to_tsvector('simple'::regconfig, (subject::text || ' '::text) || description)"
)


def upgrade() -> None:
    op.drop_index("tickets_search_idx", table_name="tickets")
    op.add_column(
        "tickets",
        sa.Column(
            "search_document",
            postgresql.TSVECTOR(),
            sa.Computed(DOCUMENT, persisted=True),
            nullable=True,
        ),
    )
    op.create_index(
        "tickets_search_idx",
        "tickets",
        ["search_document"],
        postgresql_using="gin",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("tickets_search_idx", table_name="tickets")
    op.drop_column("tickets", "search_document")
    op.create_index(
        "tickets_search_idx",
        "tickets",
        [sa.literal_column(DOCUMENT)],
        postgresql_using="gin",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
