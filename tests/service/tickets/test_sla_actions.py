"""A fired SLA point's actions: carried out once, by the system, and audited."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from desk_infra.outbox import Outbox
from desk_tickets.adapters import tables
from desk_tickets.config import TicketsSettings
from desk_tickets.entrypoints.main import create_app
from desk_tickets.service_layer.sla_actions import SlaUnitOfWork, apply_sla_point
from fastapi import FastAPI
from helpdesk_contracts import Envelope
from helpdesk_contracts.sla.v1 import (
    NotifyTargets,
    SlaAction,
    SlaActionKind,
    SlaBreached,
    SlaWarning,
)
from helpdesk_contracts.tickets.v1 import Assignee
from helpdesk_contracts.vocabulary import AssigneeKind, Priority, TicketStatus

from tests.service.tickets.conftest import Caller
from tests.service.tickets.test_assignees import make_team

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
async def app(tickets_settings: TicketsSettings) -> AsyncIterator[FastAPI]:
    app = create_app(tickets_settings)
    async with app.router.lifespan_context(app):
        yield app


def point(
    desk: Caller,
    ticket: dict[str, Any],
    actions: list[SlaAction],
    event: type[SlaWarning | SlaBreached] = SlaBreached,
) -> Envelope[Any]:
    data = event(
        clock_id=uuid.uuid4(),
        ticket_id=uuid.UUID(ticket["id"]),
        reference=ticket["reference"],
        definition_id=uuid.uuid4(),
        definition_name="Four hours",
        due_at=NOW,
        fired_at=NOW,
        colour="#d32f2f",
        message_template="{{ ticket.reference }}",
        notify=NotifyTargets(primary_assignee=True),
        actions=actions,
        subject=ticket["subject"],
        status=TicketStatus.OPEN,
        priority=Priority.MEDIUM,
    )
    return Envelope.wrap(
        data,
        source="/tests",
        tenant_id=desk.tenant,
        aggregate_id=str(data.clock_id),
        aggregate_version=1,
    )


async def apply(app: FastAPI, envelope: Envelope[Any]) -> None:
    runtime = app.state.runtime
    await apply_sla_point(
        SlaUnitOfWork(runtime.engine, Outbox(tables.outbox)), envelope
    )


async def test_a_breach_reassigns_to_a_team_and_raises_the_priority_once(
    desk: Caller, app: FastAPI
) -> None:
    team = await make_team(desk, "Escalations", "bob")
    ticket = await desk.ticket(assignee={"kind": "user", "id": "rita"})
    breach = point(
        desk,
        ticket,
        [
            SlaAction(
                kind=SlaActionKind.REASSIGN_PRIMARY,
                assignee=Assignee(kind=AssigneeKind.TEAM, id=team),
            ),
            SlaAction(kind=SlaActionKind.RAISE_PRIORITY, priority=Priority.URGENT),
        ],
    )

    await apply(app, breach)
    await apply(app, breach)  # a redelivery

    after = (await desk.get(f"/v1/tickets/{ticket['id']}")).json()
    audit = (await desk.get(f"/v1/tickets/{ticket['id']}/audit")).json()["items"]
    assert after["primary_assignee"] == {"kind": "team", "id": team}
    assert after["priority"] == "urgent"
    assert after["version"] == ticket["version"] + 2
    breaches = [a for a in audit if a["action"] == "sla_breached"]
    assert len(breaches) == 1
    assert breaches[0]["actor"]["id"] == "sla"
    assert [o["done"] for o in breaches[0]["changes"]["actions"]["after"]] == [
        True,
        True,
    ]


async def test_an_action_that_cannot_be_done_is_audited_and_the_rest_still_run(
    desk: Caller, app: FastAPI
) -> None:
    ticket = await desk.ticket(priority="low")
    warning = point(
        desk,
        ticket,
        [
            SlaAction(
                kind=SlaActionKind.ADD_ASSIGNEE,
                assignee=Assignee(kind=AssigneeKind.USER, id="gone"),
            ),
            SlaAction(kind=SlaActionKind.RAISE_PRIORITY),
        ],
        SlaWarning,
    )

    await apply(app, warning)

    after = (await desk.get(f"/v1/tickets/{ticket['id']}")).json()
    audit = (await desk.get(f"/v1/tickets/{ticket['id']}/audit")).json()["items"]
    [entry] = [a for a in audit if a["action"] == "sla_warning"]
    assert after["priority"] == "medium"  # one step up
    assert after["additional_assignees"] == []
    outcomes = entry["changes"]["actions"]["after"]
    assert outcomes[0]["done"] is False
    assert "gone" in outcomes[0]["reason"]


async def test_a_priority_is_never_lowered(desk: Caller, app: FastAPI) -> None:
    ticket = await desk.ticket(priority="urgent")
    breach = point(
        desk,
        ticket,
        [SlaAction(kind=SlaActionKind.RAISE_PRIORITY, priority=Priority.HIGH)],
    )

    await apply(app, breach)

    after = (await desk.get(f"/v1/tickets/{ticket['id']}")).json()
    assert after["priority"] == "urgent"
    assert after["version"] == ticket["version"]
