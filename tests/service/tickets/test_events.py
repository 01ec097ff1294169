"""Every change leaves through the outbox as a versioned event in an envelope."""

from helpdesk_contracts import Envelope
from helpdesk_contracts.tickets import v1

from tests.service.tickets.conftest import Caller, Listener


async def test_a_new_ticket_is_announced_once_with_a_valid_envelope(
    desk: Caller, listener: Listener
) -> None:
    ticket = await desk.ticket()

    [event] = await listener.of_tenant(desk.tenant, 1)

    parsed = Envelope[v1.TicketCreated].model_validate(event)
    assert parsed.type == "com.supportdesk.ticket.created.v1"
    assert parsed.aggregateid == ticket["id"]
    assert parsed.aggregateversion == 1
    assert parsed.data.reference == ticket["reference"]
    assert parsed.data.ticket.subject == ticket["subject"]


async def test_a_status_change_carries_from_and_to(
    desk: Caller, listener: Listener
) -> None:
    ticket = await desk.ticket()
    await desk.patch(f"/v1/tickets/{ticket['id']}", {"status": "pending"})

    created, changed = await listener.of_tenant(desk.tenant, 2)

    assert created["type"].endswith("ticket.created.v1")
    data = Envelope[v1.TicketStatusChanged].model_validate(changed).data
    assert (data.from_status, data.to_status) == ("open", "pending")
    assert changed["aggregateversion"] == 2


async def test_a_topic_change_carries_the_sub_topics_default_sla(
    desk: Caller, listener: Listener
) -> None:
    sla_topic, sla_sub = (
        "11111111-0000-4000-8000-000000000001",
        "11111111-0000-4000-8000-000000000002",
    )
    topic = (
        await desk.post("/v1/topics", {"name": "T", "default_sla_id": sla_topic})
    ).json()
    sub = (
        await desk.post(
            f"/v1/topics/{topic['id']}/sub-topics",
            {"name": "S", "default_sla_id": sla_sub},
        )
    ).json()
    ticket = await desk.ticket(topic_id=topic["id"])
    await desk.patch(f"/v1/tickets/{ticket['id']}", {"sub_topic_id": sub["id"]})

    created, moved = await listener.of_tenant(desk.tenant, 2)

    assert created["data"]["default_sla_id"] == sla_topic
    assert moved["type"].endswith("ticket.topic_changed.v1")
    assert moved["data"]["default_sla_id"] == sla_sub
