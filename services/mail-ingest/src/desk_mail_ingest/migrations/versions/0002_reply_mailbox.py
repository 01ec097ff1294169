"""mailboxes: the reply mailbox of a tenant

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 15:00:00

The desk's mail to requesters names a mailbox of their tenant in Reply-To, so
that their replies come back to the ticket (docs/mail.md).
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "mailboxes",
        sa.Column(
            "reply", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
    )


def downgrade() -> None:
    op.drop_column("mailboxes", "reply")
