"""Where replies to a tenant's notices go: its reply mailbox, else its oldest."""

import httpx

from tests.conftest import unique
from tests.service.mail.conftest import Desk


async def reply_address(api: httpx.AsyncClient, tenant: str) -> str | None:
    answer = await api.get(
        "/v1/internal/reply-address", headers={"x-desk-tenant": tenant}
    )
    assert answer.status_code == 200, answer.text
    address: str | None = answer.json()["address"]
    return address


async def put(desk: Desk, address: str, **settings: object) -> dict[str, object]:
    answer = await desk.api.put(
        f"/v1/mail/mailboxes/{address}", json=settings, headers=desk.headers
    )
    assert answer.status_code in (200, 201), answer.text
    found: dict[str, object] = answer.json()
    return found


async def test_a_tenant_without_a_mailbox_has_no_reply_address(
    mail_api: httpx.AsyncClient,
) -> None:
    assert await reply_address(mail_api, unique("t")) is None


async def test_the_oldest_active_mailbox_answers_until_one_is_marked(
    desk: Desk,
) -> None:
    later = f"{unique('billing')}@{desk.tenant}.example"
    await put(desk, later)

    oldest = await reply_address(desk.api, desk.tenant)
    marked = await put(desk, later, reply=True)
    chosen = await reply_address(desk.api, desk.tenant)

    assert oldest == desk.address
    assert marked["reply"] is True
    assert chosen == later


async def test_marking_a_mailbox_unmarks_the_tenants_others(desk: Desk) -> None:
    first = f"{unique('help')}@{desk.tenant}.example"
    second = f"{unique('care')}@{desk.tenant}.example"
    await put(desk, first, reply=True)

    await put(desk, second, reply=True)

    listed = await desk.api.get("/v1/mail/mailboxes", headers=desk.headers)
    marks = {m["address"]: m["reply"] for m in listed.json()}
    assert marks == {desk.address: False, first: False, second: True}
    assert await reply_address(desk.api, desk.tenant) == second


async def test_an_inactive_reply_mailbox_gives_way_to_an_active_one(
    desk: Desk,
) -> None:
    gone = f"{unique('old')}@{desk.tenant}.example"
    await put(desk, gone, reply=True)

    answer = await desk.api.delete(f"/v1/mail/mailboxes/{gone}", headers=desk.headers)

    assert answer.status_code == 204
    assert await reply_address(desk.api, desk.tenant) == desk.address


async def test_another_tenants_mailboxes_are_never_named(
    mail_api: httpx.AsyncClient, desk: Desk
) -> None:
    other = Desk(mail_api, unique("t"), f"{unique('support')}@other.example")

    await put(other, other.address, reply=True)

    assert await reply_address(mail_api, desk.tenant) == desk.address
    assert await reply_address(mail_api, other.tenant) == other.address
