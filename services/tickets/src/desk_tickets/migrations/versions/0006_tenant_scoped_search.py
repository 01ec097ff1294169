"""put the tenant first in the search indexes

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 20:10:00

A GIN index on the document alone returns every tenant's matches, which the query
then filters (docs/triage.md). With btree_gin the tenant can lead the index.
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COMMENT_DOCUMENT = "to_tsvector('simple'::regconfig, body)"


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    _swap(
        "tickets_search_idx",
        "tickets USING gin (tenant_id, search_document) WHERE deleted_at IS NULL",
    )
    _swap(
        "tickets_subject_trgm_idx",
        "tickets USING gin (tenant_id, subject gin_trgm_ops) WHERE deleted_at IS NULL",
    )
    _swap(
        "ticket_comments_search_idx",
        f"ticket_comments USING gin (tenant_id, {COMMENT_DOCUMENT}) "
        "WHERE NOT internal AND deleted_at IS NULL",
    )


def downgrade() -> None:
    _swap(
        "tickets_search_idx",
        "tickets USING gin (search_document) WHERE deleted_at IS NULL",
    )
    _swap(
        "tickets_subject_trgm_idx",
        "tickets USING gin (subject gin_trgm_ops) WHERE deleted_at IS NULL",
    )
    _swap(
        "ticket_comments_search_idx",
        f"ticket_comments USING gin ({COMMENT_DOCUMENT}) "
        "WHERE NOT internal AND deleted_at IS NULL",
    )


def _swap(name: str, definition: str) -> None:
    op.execute(f"DROP INDEX {name}")
    op.execute(f"CREATE INDEX {name} ON {definition}")
