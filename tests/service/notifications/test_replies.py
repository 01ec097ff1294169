"""Mail to requesters can be answered: Reply-To names the tenant's mailbox, and a
requester the directory does not know is told at the address the event carries."""

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.service.notifications.conftest import (
    Tenant,
    deliveries,
    for_tenant,
    inbox_of,
    settled_deliveries,
    within,
)
from tests.service.notifications.sink import Sink
from tests.unit.notifications.builders import comment, status


def stranger(tenant: Tenant) -> dict[str, Any]:
    """Event fields of a ticket opened by mail from an unknown sender."""
    return {
        "requester_id": None,
        "requester_email": f"Sam.{tenant.id}@elsewhere.example",
        "requester_name": "Sam Stranger",
    }


async def test_a_reply_reaches_an_unknown_sender_with_the_tenants_mailbox(
    tenant: Tenant, sink: Sink, publish: Any, notifications_db: AsyncEngine
) -> None:
    mailbox = await tenant.mailbox("support")
    sam = stranger(tenant)
    reply = comment(body="Try turning it off.", mentions=["bob"], **sam)

    await publish(for_tenant(reply, tenant))

    await within(10, lambda: bool(sink.to(sam["requester_email"])))
    [mail] = sink.to(sam["requester_email"])
    assert mail["Reply-To"] == mailbox
    assert mail["To"].addresses[0].display_name == "Sam Stranger"
    assert "Try turning it off." in mail.get_content()
    await within(10, lambda: bool(sink.to(tenant.email("bob"))))
    [mention] = sink.to(tenant.email("bob"))
    assert mention["Reply-To"] is None  # an operator's answer would be public
    sam_id = f"mailto:{sam['requester_email'].lower()}"
    rows = [
        (r["channel"], r["status"])
        for r in await settled_deliveries(notifications_db, tenant)
        if r["recipient_id"] == sam_id
    ]
    assert rows == [("email", "sent")]
    assert await inbox_of(notifications_db, tenant, sam_id) == []


async def test_an_internal_note_never_reaches_the_unknown_sender(
    tenant: Tenant, sink: Sink, publish: Any, notifications_db: AsyncEngine
) -> None:
    await tenant.mailbox("support")
    sam = stranger(tenant)
    note = comment(internal=True, mentions=["bob"], body="Secret", **sam)

    await publish(for_tenant(note, tenant))

    await within(10, lambda: bool(sink.to(tenant.email("bob"))))
    await asyncio.sleep(0.5)  # time enough for a misdirected mail to show
    assert sink.to(sam["requester_email"]) == []
    people = {r["recipient_id"] for r in await deliveries(notifications_db, tenant)}
    assert people == {"bob"}


async def test_the_mailbox_an_admin_marks_for_replies_is_named(
    tenant: Tenant, sink: Sink, publish: Any
) -> None:
    await tenant.mailbox("support")
    marked = await tenant.mailbox("help", reply=True)
    sam = stranger(tenant)

    await publish(for_tenant(status("pending", **sam), tenant))

    await within(10, lambda: bool(sink.to(sam["requester_email"])))
    [mail] = sink.to(sam["requester_email"])
    assert mail["Reply-To"] == marked
    assert "waiting for you" in mail["Subject"]


async def test_a_tenant_without_a_mailbox_is_mailed_without_reply_to(
    tenant: Tenant, sink: Sink, publish: Any
) -> None:
    await publish(for_tenant(status("resolved"), tenant))

    await within(10, lambda: bool(sink.to(tenant.email("rita"))))
    [mail] = sink.to(tenant.email("rita"))
    assert mail["Reply-To"] is None
