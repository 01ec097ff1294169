"""the assignees on the ticket row, for "assigned to me" and "unassigned"

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 11:30:00

Both filters went through ticket_assignees, which knows no tenant and no creation
date: "assigned to me" fetched every ticket of the user's assignee rows in all
tenants to sort them, and counting the unassigned open tickets hashed the whole
assignee table (docs/triage.md). A copy of the assignees on the ticket, indexed
with the tenant first, answers both from the ticket's own indexes.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "tickets",
        sa.Column(
            "assignee_keys",
            ARRAY(sa.Text()),
            nullable=False,
            server_default=sa.text("'{}'"),
        ),
    )
    op.execute(
        """
        UPDATE tickets AS t SET assignee_keys = a.keys
        FROM (
            SELECT ticket_id, array_agg(kind || ':' || assignee_id) AS keys
            FROM ticket_assignees GROUP BY ticket_id
        ) AS a
        WHERE a.ticket_id = t.id
        """
    )
    op.execute(
        "CREATE INDEX tickets_assignee_keys_idx ON tickets "
        "USING gin (tenant_id, assignee_keys) WHERE deleted_at IS NULL"
    )
    op.execute(
        "CREATE INDEX tickets_tenant_unassigned_idx ON tickets "
        "(tenant_id, created_at, id) INCLUDE (status) "
        "WHERE deleted_at IS NULL AND assignee_keys = '{}'::text[]"
    )


def downgrade() -> None:
    op.drop_index("tickets_tenant_unassigned_idx", table_name="tickets")
    op.drop_index("tickets_assignee_keys_idx", table_name="tickets")
    op.drop_column("tickets", "assignee_keys")
