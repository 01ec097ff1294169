"""Events in, mail and inbox rows out: once a person, retried, never misdirected."""

import asyncio
from typing import Any

from helpdesk_contracts.sla.v1 import NotifyTargets
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.service.infra.support import eventually
from tests.service.notifications.conftest import (
    Tenant,
    deliveries,
    for_tenant,
    inbox_bodies,
    inbox_of,
    settled_deliveries,
    within,
)
from tests.service.notifications.sink import Sink
from tests.unit.notifications.builders import comment, sla_point, team, user

TEMPLATE = "Breach on {{ ticket.reference }} ({{ sla.name }}), {{ recipient.name }}!"


async def test_an_sla_breach_reaches_the_assignee_and_each_team_member_once(
    tenant: Tenant, sink: Sink, publish: Any
) -> None:
    night = await tenant.team("Night shift", ["olga", "nils", "nora"])
    event = sla_point(
        template=TEMPLATE,
        notify=NotifyTargets(users=["olga"], primary_assignee=True, all_assignees=True),
        primary_assignee=user("olga"),
        additional_assignees=[team(night)],
    )

    await publish(for_tenant(event, tenant))

    people = ("olga", "nils", "nora")
    await within(10, lambda: all(sink.to(tenant.email(p)) for p in people))
    await asyncio.sleep(0.5)  # time enough for any duplicate to show
    for name in people:
        [mail] = sink.to(tenant.email(name))
        assert mail["Subject"].startswith("[SR-2026-0042] SLA breached")
        body = mail.get_content()
        assert f"Breach on SR-2026-0042 (Gold), {name.title()}!" in body
        assert mail["Auto-Submitted"] == "auto-generated"


async def test_an_event_delivered_twice_sends_one_email(
    tenant: Tenant, sink: Sink, publish: Any, notifications_db: AsyncEngine
) -> None:
    event = for_tenant(sla_point(template=TEMPLATE), tenant)

    await publish(event)
    await within(10, lambda: bool(sink.to(tenant.email("olga"))))
    await publish(event)
    await asyncio.sleep(1.0)

    assert len(sink.to(tenant.email("olga"))) == 1
    assert await deliveries(notifications_db, tenant) == [
        {"recipient_id": "olga", "channel": c, "status": "sent", "attempts": 1}
        | {"error": None}
        for c in ("email", "inbox")
    ]


async def test_an_internal_note_reaches_the_mentioned_but_not_the_requester(
    tenant: Tenant, sink: Sink, publish: Any, notifications_db: AsyncEngine
) -> None:
    note = comment(internal=True, mentions=["rita", "bob"], body="Secret")

    await publish(for_tenant(note, tenant))

    await within(10, lambda: bool(sink.to(tenant.email("bob"))))
    await asyncio.sleep(0.5)
    assert sink.to(tenant.email("rita")) == []
    assert await inbox_of(notifications_db, tenant, "rita") == []
    assert await inbox_of(notifications_db, tenant, "bob") == ["mention"]


async def test_a_mention_in_an_internal_note_tells_where_but_not_what(
    tenant: Tenant, sink: Sink, publish: Any, notifications_db: AsyncEngine
) -> None:
    note = comment(internal=True, mentions=["bob"], body="The alarm code is 4711")

    await publish(for_tenant(note, tenant))

    await within(10, lambda: bool(sink.to(tenant.email("bob"))))
    [mail] = sink.to(tenant.email("bob"))
    [shown] = await inbox_bodies(notifications_db, tenant, "bob")
    for body in (mail.get_content(), shown):
        assert "4711" not in body
        assert "an internal note on SR-2026-0042" in body


async def test_a_mention_reaches_the_mentioned_by_email_and_inbox(
    tenant: Tenant, sink: Sink, publish: Any, notifications_db: AsyncEngine
) -> None:
    reply = comment(mentions=["bob"], body="Bob, can you look?")

    await publish(for_tenant(reply, tenant))

    await within(10, lambda: bool(sink.to(tenant.email("bob"))))
    [mail] = sink.to(tenant.email("bob"))
    assert "Bob, can you look?" in mail.get_content()
    assert await inbox_of(notifications_db, tenant, "bob") == ["mention"]
    await within(10, lambda: bool(sink.to(tenant.email("rita"))))
    [to_requester] = sink.to(tenant.email("rita"))
    assert to_requester["Auto-Submitted"] is None  # a person's words, passed on


async def test_a_failing_mail_server_is_retried_until_it_accepts(
    tenant: Tenant, sink: Sink, publish: Any, notifications_db: AsyncEngine
) -> None:
    sink.refuse = 1

    await publish(for_tenant(sla_point(template=TEMPLATE), tenant))

    await within(10, lambda: bool(sink.to(tenant.email("olga"))))
    rows = await settled_deliveries(notifications_db, tenant)
    assert rows[0] == {
        "recipient_id": "olga",
        "channel": "email",
        "status": "sent",
        "attempts": 2,
        "error": None,
    }


async def test_a_slow_mail_server_delays_only_the_mail_it_holds(
    tenant: Tenant, sink: Sink, publish: Any
) -> None:
    sink.stall = 3.0  # the worker gives up after 1 s and retries a second later
    await publish(for_tenant(sla_point(template=TEMPLATE), tenant))
    await asyncio.sleep(0.2)

    await publish(for_tenant(comment(mentions=["bob"]), tenant))

    await within(0.8, lambda: bool(sink.to(tenant.email("bob"))))
    assert sink.to(tenant.email("olga")) == []
    await within(15, lambda: bool(sink.to(tenant.email("olga"))))
    assert len(sink.to(tenant.email("olga"))) == 1


async def test_a_broken_template_sends_nothing_and_says_why(
    tenant: Tenant, sink: Sink, publish: Any, notifications_db: AsyncEngine
) -> None:
    broken = sla_point(template="{{ ''.__class__.__mro__ }} {{ ticket.reference }}")

    await publish(for_tenant(broken, tenant))

    async def marked() -> bool:
        return len(await deliveries(notifications_db, tenant)) == 2

    async with asyncio.timeout(10):
        await eventually(marked)
    rows = await deliveries(notifications_db, tenant)
    assert {r["status"] for r in rows} == {"failed"}
    assert all(r["error"].startswith("template: ") for r in rows)
    assert sink.to(tenant.email("olga")) == []
    assert await inbox_of(notifications_db, tenant, "olga") == []
