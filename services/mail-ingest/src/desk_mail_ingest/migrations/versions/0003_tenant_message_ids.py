"""messages: one accepted message per tenant and Message-ID, not per mailbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 17:10:00

The same mail sent to two support addresses of one tenant made two tickets.
Messages that were accepted more than once in a tenant (before this revision)
keep their first acceptance; the later ones become ``ignored``, with a reason
that says why, so that the new unique index can be built. Their tickets stay.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_SETTLE_DUPLICATES = """
UPDATE messages SET status = 'ignored',
    reason = 'duplicate: accepted by another mailbox of the tenant before'
WHERE id IN (
    SELECT id FROM (
        SELECT id, row_number() OVER (
            PARTITION BY tenant_id, message_id ORDER BY received_at, id
        ) AS n
        FROM messages WHERE status = 'accepted'
    ) AS ranked
    WHERE n > 1
)
"""


def upgrade() -> None:
    op.execute(_SETTLE_DUPLICATES)
    op.drop_index("messages_accepted_uq", table_name="messages")
    op.create_index(
        "messages_accepted_uq",
        "messages",
        ["tenant_id", "message_id"],
        unique=True,
        postgresql_where=sa.text("status = 'accepted'"),
    )


def downgrade() -> None:
    op.drop_index("messages_accepted_uq", table_name="messages")
    op.create_index(
        "messages_accepted_uq",
        "messages",
        ["mailbox_id", "message_id"],
        unique=True,
        postgresql_where=sa.text("status = 'accepted'"),
    )
