"""References are allocated per tenant and year without gaps or duplicates."""

import asyncio

import httpx

from tests.service.tickets.conftest import Caller, new_tenant


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
