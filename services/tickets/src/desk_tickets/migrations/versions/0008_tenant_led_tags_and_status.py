"""tenant first in the tags index; status in the priority and topic indexes

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 12:00:00

At 100,000 tickets a tenant (docs/triage.md): a tag filter ANDed the tag's
entries of every tenant with a bitmap of the whole tenant, and counting a
priority or topic filter combined with statuses read each match from the heap
for its status.
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

LIVE = "WHERE deleted_at IS NULL"


def upgrade() -> None:
    _swap("tickets_tags_idx", f"tickets USING gin (tenant_id, tags) {LIVE}")
    for name, column in (("priority", "priority"), ("topic", "topic_id")):
        _swap(
            f"tickets_tenant_{name}_idx",
            f"tickets (tenant_id, {column}, created_at, id) INCLUDE (status) {LIVE}",
        )


def downgrade() -> None:
    _swap("tickets_tags_idx", f"tickets USING gin (tags) {LIVE}")
    for name, column in (("priority", "priority"), ("topic", "topic_id")):
        _swap(
            f"tickets_tenant_{name}_idx",
            f"tickets (tenant_id, {column}, created_at, id) {LIVE}",
        )


def _swap(name: str, definition: str) -> None:
    op.execute(f"DROP INDEX {name}")
    op.execute(f"CREATE INDEX {name} ON {definition}")
