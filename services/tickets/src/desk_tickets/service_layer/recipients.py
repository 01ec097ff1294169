"""Who to send to: users by id, and teams expanded to their members.

Read by the notifications service (``POST /v1/internal/recipients``). Inactive
users and deleted teams reach nobody; a user named twice, or directly and
through a team, comes back once, with the requested teams they belong to.
"""

from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import Text

_RECIPIENTS = text(
    """
    WITH reached AS (
        SELECT unnest(:users) AS user_id, NULL::text AS team_id,
               NULL::text AS team_name
        UNION ALL
        SELECT m.user_id, m.team_id::text, t.name
        FROM team_members m
        JOIN teams t ON t.id = m.team_id AND t.tenant_id = m.tenant_id
        WHERE m.tenant_id = :tenant
          AND t.deleted_at IS NULL
          AND m.team_id::text = ANY(:teams)
    )
    SELECT d.id AS user_id, d.name, d.email,
           coalesce(
               jsonb_agg(DISTINCT jsonb_build_object('id', r.team_id,
                                                     'name', r.team_name))
                   FILTER (WHERE r.team_id IS NOT NULL),
               '[]'
           ) AS teams
    FROM reached r
    JOIN directory_entries d
      ON d.tenant_id = :tenant AND d.kind = 'users' AND d.id = r.user_id
    WHERE d.active
    GROUP BY d.id, d.name, d.email
    ORDER BY d.id
    """
).bindparams(
    bindparam("users", type_=ARRAY(Text)), bindparam("teams", type_=ARRAY(Text))
)


@dataclass(frozen=True)
class Team:
    id: str
    name: str


@dataclass(frozen=True)
class Recipient:
    user_id: str
    name: str
    email: str | None
    teams: list[Team]
    """The requested teams the user was reached through."""


async def recipients(
    engine: AsyncEngine, tenant_id: str, users: list[str], teams: list[str]
) -> list[Recipient]:
    """The active users among ``users`` and the members of ``teams``, once each."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            _RECIPIENTS, {"tenant": tenant_id, "users": users, "teams": teams}
        )
        return [
            Recipient(
                r.user_id,
                r.name,
                r.email,
                sorted((Team(**t) for t in r.teams), key=lambda t: t.id),
            )
            for r in rows
        ]
