"""tickets: the address and name of a requester the directory does not know

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 15:00:00

A ticket opened by mail from an unknown sender had no requester, so the desk
could not answer them (docs/mail.md).
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns without a default: a catalogue change, no table rewrite.
    op.add_column("tickets", sa.Column("requester_email", sa.Text(), nullable=True))
    op.add_column("tickets", sa.Column("requester_name", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("tickets", "requester_name")
    op.drop_column("tickets", "requester_email")
