"""The tickets service names recipients: users once each, teams as their members."""

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.service.notifications.conftest import Tenant


async def ask(url: str, tenant: Tenant, **body: list[str]) -> list[dict[str, object]]:
    async with httpx.AsyncClient(base_url=url) as client:
        answer = await client.post(
            "/v1/internal/recipients", json=body, headers={"x-desk-tenant": tenant.id}
        )
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def test_a_user_named_and_in_two_teams_comes_back_once(
    tenant: Tenant, tickets_url: str
) -> None:
    night = await tenant.team("Night", ["olga", "nils"])
    day = await tenant.team("Day", ["olga"])

    found = await ask(tickets_url, tenant, users=["olga", "ghost"], teams=[night, day])

    assert found == [
        {
            "user_id": "nils",
            "name": "Nils",
            "email": tenant.email("nils"),
            "teams": [{"id": night, "name": "Night"}],
        },
        {
            "user_id": "olga",
            "name": "Olga",
            "email": tenant.email("olga"),
            "teams": sorted(
                [{"id": night, "name": "Night"}, {"id": day, "name": "Day"}],
                key=lambda t: t["id"],
            ),
        },
    ]


async def test_deleted_teams_and_inactive_users_reach_nobody(
    tenant: Tenant, tickets_url: str, tickets_db: AsyncEngine
) -> None:
    gone = await tenant.team("Gone", ["nils"])
    kept = await tenant.team("Kept", ["nora", "bob"])
    async with tickets_db.begin() as conn:
        await conn.execute(
            text("UPDATE teams SET deleted_at = now() WHERE id::text = :id"),
            {"id": gone},
        )
        await conn.execute(
            text(
                "UPDATE directory_entries SET active = false "
                "WHERE tenant_id = :t AND kind = 'users' AND id = 'bob'"
            ),
            {"t": tenant.id},
        )

    found = await ask(tickets_url, tenant, teams=[gone, kept])

    assert [r["user_id"] for r in found] == ["nora"]


async def test_another_tenants_team_expands_to_nobody(
    tenant: Tenant, tickets_url: str, tickets_db: AsyncEngine
) -> None:
    other = Tenant(tickets_url, tickets_db)
    await other.create(["olga"])
    theirs = await other.team("Theirs", ["olga"])

    assert await ask(tickets_url, tenant, teams=[theirs]) == []
