"""indexes for the list's priority and topic filters; assignees index-only

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 20:00:00

Measured at 100,000 tickets a tenant (docs/triage.md): a topic or priority filter
walked the whole tenant to count its matches, and "assigned to me" fetched every
assignee row of the user from the heap.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

LIVE = sa.text("deleted_at IS NULL")


def upgrade() -> None:
    for column in ("priority", "topic"):
        name = "priority" if column == "priority" else "topic_id"
        op.create_index(
            f"tickets_tenant_{column}_idx",
            "tickets",
            ["tenant_id", name, "created_at", "id"],
            postgresql_where=LIVE,
        )
    op.drop_index("ticket_assignees_who_idx", table_name="ticket_assignees")
    op.create_index(
        "ticket_assignees_who_idx",
        "ticket_assignees",
        ["kind", "assignee_id", "ticket_id"],
    )


def downgrade() -> None:
    op.drop_index("ticket_assignees_who_idx", table_name="ticket_assignees")
    op.create_index(
        "ticket_assignees_who_idx", "ticket_assignees", ["kind", "assignee_id"]
    )
    op.drop_index("tickets_tenant_topic_idx", table_name="tickets")
    op.drop_index("tickets_tenant_priority_idx", table_name="tickets")
