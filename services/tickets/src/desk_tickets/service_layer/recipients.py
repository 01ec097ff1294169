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
        SELECT unnest(:users) AS user_id, NULL::text AS team_id
        UNION ALL
        SELECT m.user_id, m.team_id::text
        FROM team_members m
        JOIN teams t ON t.id = m.team_id AND t.tenant_id = m.tenant_id
        WHERE m.tenant_id = :tenant
          AND t.deleted_at IS NULL
          AND m.team_id::text = ANY(:teams)
    )
    SELECT d.id AS user_id, d.name, d.email,
           array_remove(array_agg(DISTINCT r.team_id), NULL) AS teams
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
class Recipient:
    user_id: str
    name: str
    email: str | None
    teams: list[str]


async def recipients(
    engine: AsyncEngine, tenant_id: str, users: list[str], teams: list[str]
) -> list[Recipient]:
    """The active users among ``users`` and the members of ``teams``, once each."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            _RECIPIENTS, {"tenant": tenant_id, "users": users, "teams": teams}
        )
        return [Recipient(r.user_id, r.name, r.email, list(r.teams)) for r in rows]
