"""SLA clocks through the running desk: attached by topic, paused, completed,
resumed, and a breach arriving on the events exchange and re-assigning the ticket.

The breach test waits for real time to pass (a minute's warning, two minutes'
breach: a definition counts in whole minutes), so it checks everything else on
its ticket while it waits.
"""

import json
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pika
import pytest

from tests.conftest import unique
from tests.e2e.conftest import Api, Desk

STAFF = (
    "support:request:update:all",
    "support:sla:manage",
    "support:sla:attach",
    "support:settings:topics",
    "support:settings:groups",
)


@pytest.fixture
def olivia(desk: Desk, tenant: str) -> Api:
    portal = Api(desk.gateway, desk.token(tenant, "portal", "portal:directory:write"))
    users = [{"id": u, "name": u.title()} for u in ("olivia", "bob", "rita")]
    answer = portal.put("/v1/admin/directory/users", json={"entries": users})
    assert answer.status_code == 200, answer.text
    return Api(desk.gateway, desk.token(tenant, "olivia", *STAFF))


class Events:
    """An exclusive queue on the events exchange, bound to the SLA points."""

    def __init__(self, url: str) -> None:
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.connection.channel()
        self.queue = unique("e2e-sla")
        self.channel.queue_declare(self.queue, exclusive=True, auto_delete=True)
        for key in ("sla.warning.v1", "sla.breached.v1"):
            self.channel.queue_bind(self.queue, "helpdesk.events", routing_key=key)

    def wait(self, ticket_id: str, count: int, timeout: float) -> list[dict[str, Any]]:
        """The first ``count`` points of the ticket, each with its receive time."""
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while len(seen) < count and time.monotonic() < deadline:
            method, _, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is None:
                self.connection.sleep(0.05)
                continue
            event = json.loads(body)
            if event["data"]["ticket_id"] == ticket_id:
                seen.append({**event, "received": time.time()})
        return seen

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def events(desk: Desk) -> Iterator[Events]:
    listening = Events(desk.env["DESK_AMQP_URL"])
    yield listening
    listening.close()


def _definition(api: Api, **body: Any) -> str:
    answer = api.post(
        "/v1/sla/definitions",
        json={
            "name": unique("Two minutes"),
            "warning": {"value": 1, "unit": "minute"},
            "breach": {"value": 2, "unit": "minute"},
            "pause_when": ["pending"],
            "notify": {"primary_assignee": True},
            **body,
        },
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _topic(api: Api, sla: str) -> str:
    answer = api.post(
        "/v1/topics", json={"name": unique("Heating"), "default_sla_id": sla}
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _banner(api: Api, ticket_id: str, want: int = 1) -> list[dict[str, Any]]:
    """The ticket detail's clocks, once the SLA worker has caught up."""
    deadline = time.monotonic() + 20
    while True:
        answer = api.get(f"/v1/tickets/{ticket_id}")
        assert answer.status_code == 200, answer.text
        sla = answer.json()["sla"]
        clocks = sla["clocks"] if sla else []
        if len(clocks) >= want or time.monotonic() > deadline:
            return clocks
        time.sleep(0.2)


def _status(api: Api, ticket_id: str, status: str) -> None:
    answer = api.patch(f"/v1/tickets/{ticket_id}", json={"status": status})
    assert answer.status_code == 200, answer.text


def _wait_phase(api: Api, ticket_id: str, phase: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        [clock] = _banner(api, ticket_id)
        if clock["phase"] == phase:
            return clock
        time.sleep(0.2)
    raise AssertionError(f"the clock never became {phase}")


def test_a_breach_fires_on_time_and_its_action_reassigns_the_ticket(
    olivia: Api, events: Events
) -> None:
    team = olivia.post(
        "/v1/teams", json={"name": "Escalations", "member_ids": ["rita"]}
    )
    assert team.status_code == 201, team.text
    escalations = {"kind": "team", "id": team.json()["id"]}
    sla = _definition(
        olivia, on_breach=[{"kind": "reassign_primary", "assignee": escalations}]
    )
    answer = olivia.post(
        "/v1/tickets",
        json={
            "subject": "No heating",
            "description": "Radiators cold",
            "topic_id": _topic(olivia, sla),
            "assignee": {"kind": "user", "id": "bob"},
        },
    )
    assert answer.status_code == 201, answer.text
    ticket = answer.json()
    created = datetime.fromisoformat(ticket["created_at"]).timestamp()

    [clock] = _banner(olivia, ticket["id"])
    assert clock["phase"] == "running"
    assert clock["state"] == "ok"
    assert clock["manual"] is False
    assert datetime.fromisoformat(clock["breach_due_at"]).timestamp() == pytest.approx(
        created + 120, abs=0.01
    )

    warning, breach = events.wait(ticket["id"], 2, timeout=150)

    assert warning["type"].endswith("sla.warning.v1")
    assert breach["type"].endswith("sla.breached.v1")
    for event, after in ((warning, 60), (breach, 120)):
        due = datetime.fromisoformat(event["data"]["due_at"]).timestamp()
        assert due == pytest.approx(created + after, abs=0.01)
        assert 0 <= event["received"] - due < 2.0  # published on time
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        now = olivia.get(f"/v1/tickets/{ticket['id']}").json()
        if now["primary_assignee"] == escalations:
            break
        time.sleep(0.2)
    assert now["primary_assignee"] == escalations
    assert now["sla"]["clocks"][0]["state"] == "breached"
    assert now["sla"]["clocks"][0]["colour"] == "#d32f2f"
    audit = olivia.get(f"/v1/tickets/{ticket['id']}/audit").json()["items"]
    assert [a["actor"]["id"] for a in audit if a["action"] == "sla_breached"] == ["sla"]
    assert events.wait(ticket["id"], 1, timeout=3) == []  # each point once


def test_pending_pauses_resolved_completes_and_reopening_resumes(
    olivia: Api,
) -> None:
    sla = _definition(olivia, warning=None, breach={"value": 8, "unit": "hour"})
    ticket = olivia.post(
        "/v1/tickets",
        json={
            "subject": "Leak",
            "description": "Attic",
            "topic_id": _topic(olivia, sla),
        },
    ).json()
    [running] = _banner(olivia, ticket["id"])

    _status(olivia, ticket["id"], "pending")
    paused = _wait_phase(olivia, ticket["id"], "paused")
    _status(olivia, ticket["id"], "open")
    resumed = _wait_phase(olivia, ticket["id"], "running")
    _status(olivia, ticket["id"], "resolved")
    completed = _wait_phase(olivia, ticket["id"], "completed")
    _status(olivia, ticket["id"], "open")
    reopened = _wait_phase(olivia, ticket["id"], "running")

    assert running["breach_due_at"] is not None
    assert paused["breach_due_at"] is None
    assert resumed["breach_due_at"] > running["breach_due_at"]
    assert completed["remaining_seconds"] > 7 * 3600
    assert reopened["breach_due_at"] >= resumed["breach_due_at"]


def test_attaching_by_hand_needs_its_permission_and_survives_a_topic_change(
    desk: Desk, tenant: str, olivia: Api
) -> None:
    first, manual = _definition(olivia), _definition(olivia)
    ticket = olivia.post(
        "/v1/tickets",
        json={
            "subject": "Boiler",
            "description": "Noise",
            "topic_id": _topic(olivia, first),
        },
    ).json()
    _banner(olivia, ticket["id"])
    viewer = Api(desk.gateway, desk.token(tenant, "bob", "support:request:update:all"))

    refused = viewer.post(
        f"/v1/tickets/{ticket['id']}/sla", json={"definition_id": manual}
    )
    attached = olivia.post(
        f"/v1/tickets/{ticket['id']}/sla", json={"definition_id": manual}
    )
    moved = olivia.patch(
        f"/v1/tickets/{ticket['id']}",
        json={"topic_id": _topic(olivia, _definition(olivia))},
    )
    assert moved.status_code == 200, moved.text
    clocks = _banner(olivia, ticket["id"], want=2)
    deadline = time.monotonic() + 20
    while {c["definition_id"] for c in clocks} & {
        first
    } and time.monotonic() < deadline:
        time.sleep(0.2)
        clocks = _banner(olivia, ticket["id"], want=2)

    assert refused.status_code == 403
    assert attached.status_code == 201, attached.text
    assert manual in {c["definition_id"] for c in clocks if c["manual"]}
    assert first not in {c["definition_id"] for c in clocks}
    assert len(clocks) == 2


def test_attaching_by_hand_right_after_creating_the_ticket(olivia: Api) -> None:
    manual = _definition(olivia)
    ticket = olivia.post(
        "/v1/tickets", json={"subject": "Boiler", "description": "Noise"}
    ).json()

    attached = olivia.post(
        f"/v1/tickets/{ticket['id']}/sla", json={"definition_id": manual}
    )

    assert attached.status_code == 201, attached.text
    [clock] = attached.json()["clocks"]
    assert (clock["definition_id"], clock["manual"]) == (manual, True)
    assert clock["phase"] == "running"
    assert [c["definition_id"] for c in _banner(olivia, ticket["id"])] == [manual]


def test_requesters_see_no_clocks_on_the_ticket_or_its_clocks_route(
    desk: Desk, tenant: str, olivia: Api
) -> None:
    ticket = olivia.post(
        "/v1/tickets",
        json={
            "subject": "Boiler",
            "description": "Noise",
            "topic_id": _topic(olivia, _definition(olivia)),
            "requester_id": "rita",
        },
    ).json()
    assert len(_banner(olivia, ticket["id"])) == 1
    rita = Api(desk.gateway, desk.token(tenant, "rita", kind="requester"))

    detail = rita.get(f"/v1/tickets/{ticket['id']}")
    clocks = rita.get(f"/v1/tickets/{ticket['id']}/sla")

    assert detail.status_code == 200, detail.text
    assert "sla" not in detail.json()
    assert clocks.status_code == 200, clocks.text
    assert clocks.json() == {"ticket_id": ticket["id"], "clocks": []}
