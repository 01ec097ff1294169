"""deliveries: a recipient may be an address

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 15:00:00

A requester the directory does not know is told by mail under the id
``mailto:<address>``, longer than a user id may be.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # varchar to text is binary-coercible: no table rewrite, no index rebuild.
    op.alter_column(
        "deliveries",
        "recipient_id",
        type_=sa.Text(),
        existing_type=sa.String(length=128),
        existing_nullable=False,
    )


def downgrade() -> None:
    op.alter_column(
        "deliveries",
        "recipient_id",
        type_=sa.String(length=128),
        existing_type=sa.Text(),
        existing_nullable=False,
    )
