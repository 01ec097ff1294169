"""directory type-to-search: tenant-led trigrams

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 12:30:00

The trigram index returned every tenant's similar names, which the query then
filtered by tenant (docs/triage.md).
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _swap(
        "directory_name_trgm_idx",
        "directory_entries USING gin (tenant_id, kind, lower(name) gin_trgm_ops)",
    )


def downgrade() -> None:
    _swap(
        "directory_name_trgm_idx",
        "directory_entries USING gin (lower(name) gin_trgm_ops)",
    )


def _swap(name: str, definition: str) -> None:
    op.execute(f"DROP INDEX {name}")
    op.execute(f"CREATE INDEX {name} ON {definition}")
