"""teams, tags and the Requests list's search indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 19:20:00

On a large ``tickets`` table the GIN indexes take a while to build; the statements
are plain ``CREATE INDEX`` (not ``CONCURRENTLY``), which blocks writes meanwhile.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TICKET_DOCUMENT = (
    "to_tsvector('simple'::regconfig, (subject)::text || ' ' || description)"
)
COMMENT_DOCUMENT = "to_tsvector('simple'::regconfig, body)"
LIVE = sa.text("deleted_at IS NULL")


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "teams",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "description",
            sa.String(length=500),
            server_default=sa.text("''"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_teams_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
    )
    op.create_index(
        "teams_name_uq",
        "teams",
        ["tenant_id", sa.literal_column("lower(name)")],
        unique=True,
        postgresql_where=LIVE,
    )
    op.create_table(
        "team_members",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_team_members_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_team_members")),
    )
    op.create_index("team_members_user_idx", "team_members", ["tenant_id", "user_id"])
    op.add_column(
        "tickets",
        sa.Column(
            "tags", sa.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False
        ),
    )
    _search_indexes()


def _search_indexes() -> None:
    op.create_index(
        "tickets_search_idx",
        "tickets",
        [sa.literal_column(TICKET_DOCUMENT)],
        postgresql_using="gin",
        postgresql_where=LIVE,
    )
    op.execute(
        "CREATE INDEX tickets_reference_trgm_idx ON tickets "
        "USING gin (reference gin_trgm_ops)"
    )
    op.execute(
        "CREATE INDEX tickets_subject_trgm_idx ON tickets "
        "USING gin (subject gin_trgm_ops) WHERE deleted_at IS NULL"
    )
    op.create_index(
        "tickets_tags_idx",
        "tickets",
        ["tags"],
        postgresql_using="gin",
        postgresql_where=LIVE,
    )
    op.create_index(
        "tickets_tenant_status_idx",
        "tickets",
        ["tenant_id", "status", "created_at", "id"],
        postgresql_where=LIVE,
    )
    op.execute(
        "CREATE INDEX ticket_comments_search_idx ON ticket_comments "
        f"USING gin ({COMMENT_DOCUMENT}) WHERE NOT internal AND deleted_at IS NULL"
    )
    op.execute(
        "CREATE INDEX directory_name_trgm_idx ON directory_entries "
        "USING gin (lower(name) gin_trgm_ops)"
    )
    op.execute(
        "CREATE INDEX directory_name_prefix_idx ON directory_entries "
        "(tenant_id, kind, lower(name) text_pattern_ops)"
    )


def downgrade() -> None:
    for index in (
        "directory_name_prefix_idx",
        "directory_name_trgm_idx",
        "ticket_comments_search_idx",
        "tickets_tenant_status_idx",
        "tickets_tags_idx",
        "tickets_subject_trgm_idx",
        "tickets_reference_trgm_idx",
        "tickets_search_idx",
    ):
        op.drop_index(index)
    op.drop_column("tickets", "tags")
    op.drop_index("team_members_user_idx", table_name="team_members")
    op.drop_table("team_members")
    op.drop_index("teams_name_uq", table_name="teams")
    op.drop_table("teams")
