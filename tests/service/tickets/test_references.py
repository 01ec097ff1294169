"""References are allocated per tenant and year without gaps or duplicates."""

import asyncio

import asyncpg
import httpx
from desk_tickets.config import TicketsSettings
from desk_tickets.domain.model import format_reference

from tests.service.tickets.conftest import DATABASE, Caller, new_tenant


async def test_fifty_concurrent_creates_get_consecutive_references(
    desk: Caller, service: httpx.AsyncClient
) -> None:
    created = await asyncio.gather(*(desk.ticket(subject=f"n{i}") for i in range(50)))

    numbers = sorted(int(t["reference"].rsplit("-", 1)[1]) for t in created)
    assert numbers == list(range(1, 51))
    year = created[0]["created_at"][:4]
    assert all(t["reference"].startswith(f"SR-{year}-") for t in created)


async def test_each_tenant_has_its_own_sequence(
    desk: Caller, service: httpx.AsyncClient
) -> None:
    other = await new_tenant(service)
    await desk.ticket()
    await desk.ticket()

    first_of_other = await other.ticket()

    assert first_of_other["reference"].endswith("-0001")


async def test_a_refused_ticket_does_not_use_up_a_number(desk: Caller) -> None:
    await desk.ticket()
    refused = await desk.post(
        "/v1/tickets",
        {"subject": "x", "description": "y", "member_id": "nobody"},
    )

    after = await desk.ticket()

    assert refused.status_code == 422
    assert after["reference"].endswith("-0002")


async def test_references_widen_past_9999(
    desk: Caller, tickets_settings: object
) -> None:
    first = await desk.ticket()
    year = int(first["created_at"][:4])
    await _set_counter(desk.tenant, year, 9998)

    numbers = [(await desk.ticket())["reference"] for _ in range(3)]

    assert numbers == [format_reference(year, n) for n in (9999, 10000, 10001)]
    assert numbers[-1] == f"SR-{year}-10001"


async def _set_counter(tenant: str, year: int, value: int) -> None:
    connection = await asyncpg.connect(
        TicketsSettings().database_url(DATABASE).replace("+asyncpg", "")
    )
    await connection.execute(
        "UPDATE reference_counters SET last_number = $3"
        " WHERE tenant_id = $1 AND year = $2",
        tenant,
        year,
        value,
    )
    await connection.close()
