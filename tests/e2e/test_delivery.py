"""Every ticket is announced, also when processes die or the broker restarts.

An AMQP client that is not part of the desk binds a durable queue to the events
exchange and counts ``ticket.created`` per ticket while the desk is disturbed.
"""

import json
import os
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pika
import pytest

from tests.e2e.conftest import Api, Desk


class Outsider:
    """A plain AMQP consumer on its own durable quorum queue."""

    def __init__(self, url: str) -> None:
        self.queue = f"e2e-outsider-{uuid.uuid4().hex[:8]}"
        self.url = url
        self.bodies: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._declare()
        self._thread = threading.Thread(target=self._consume, daemon=True)
        self._thread.start()

    def _channel(self) -> tuple[Any, Any]:
        connection = pika.BlockingConnection(pika.URLParameters(self.url))
        return connection, connection.channel()

    def _declare(self) -> None:
        connection, channel = self._channel()
        channel.queue_declare(
            self.queue, durable=True, arguments={"x-queue-type": "quorum"}
        )
        channel.queue_bind(self.queue, "helpdesk.events", "ticket.created.v1")
        connection.close()

    def _consume(self) -> None:
        while not self._stop.is_set():
            try:
                connection, channel = self._channel()
                while not self._stop.is_set():
                    method, _, body = channel.basic_get(self.queue)
                    if method is None:
                        connection.sleep(0.05)
                        continue
                    self.bodies.append(json.loads(body))
                    channel.basic_ack(method.delivery_tag)
                connection.close()
            except pika.exceptions.AMQPError:
                time.sleep(0.5)

    def created_per_ticket(self, tenant: str) -> Counter[str]:
        return Counter(
            b["data"]["ticket_id"] for b in self.bodies if b["tenantid"] == tenant
        )

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)
        connection, channel = self._channel()
        channel.queue_delete(self.queue)
        connection.close()


@pytest.fixture
def outsider(desk: Desk) -> Iterator[Outsider]:
    listener = Outsider(desk.env["DESK_AMQP_URL"])
    yield listener
    listener.close()


def _burst(alice: Api, count: int, during: Any) -> list[str]:
    """Create ``count`` tickets from 8 threads while ``during`` runs; the ids made."""
    made: list[str] = []

    def create(i: int) -> None:
        for _ in range(50):
            try:
                answer = alice.post(
                    "/v1/tickets", json={"subject": f"n{i}", "description": "d"}
                )
            except httpx.TransportError:  # refused while the service is down
                time.sleep(0.2)
                continue
            if answer.status_code == 201:
                made.append(answer.json()["id"])
                return
            time.sleep(0.2)

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(create, i) for i in range(count)]
        time.sleep(0.3)
        during()
        for f in futures:
            f.result()
    return made


def _all_tickets(alice: Api) -> set[str]:
    ids: set[str] = set()
    cursor = None
    while True:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = alice.get("/v1/tickets", params=params).json()
        ids |= {t["id"] for t in page["items"]}
        cursor = page["next_cursor"]
        if cursor is None:
            return ids


def _wait_for(outsider: Outsider, tenant: str, expected: set[str]) -> Counter[str]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        seen = outsider.created_per_ticket(tenant)
        if set(seen) >= expected:
            return seen
        time.sleep(0.2)
    return outsider.created_per_ticket(tenant)


def test_killing_the_tickets_service_loses_and_duplicates_nothing(
    desk: Desk, alice: Api, tenant: str, outsider: Outsider
) -> None:
    def kill_and_restart() -> None:
        desk.kill("tickets")
        desk.start("tickets", "desk-tickets", f"{desk.tickets}/readyz")

    made = _burst(alice, 120, kill_and_restart)

    stored = _all_tickets(alice)
    seen = _wait_for(outsider, tenant, stored)
    assert set(made) <= stored
    assert set(seen) == stored
    assert set(seen.values()) == {1}


def test_killing_the_relay_loses_nothing(
    desk: Desk, alice: Api, tenant: str, outsider: Outsider
) -> None:
    def kill_and_restart() -> None:
        desk.kill("relay")
        time.sleep(0.5)
        desk.start("relay", "desk-tickets-relay")

    _burst(alice, 120, kill_and_restart)

    stored = _all_tickets(alice)
    seen = _wait_for(outsider, tenant, stored)
    assert set(seen) == stored
    event_ids = {b["id"] for b in outsider.bodies if b["tenantid"] == tenant}
    assert len(event_ids) == len(stored)  # a repeat, if any, is the same event


def test_a_rabbitmq_restart_loses_nothing(
    desk: Desk, alice: Api, tenant: str, outsider: Outsider
) -> None:
    def restart_broker() -> None:
        subprocess.run(["rabbitmqctl", "stop_app"], check=True, capture_output=True)
        time.sleep(1)
        subprocess.run(["rabbitmqctl", "start_app"], check=True, capture_output=True)

    if os.environ.get("DESK_AMQP_URL", "").find("127.0.0.1") < 0:
        pytest.fail("the broker restart test needs the local RabbitMQ")
    _burst(alice, 80, restart_broker)

    stored = _all_tickets(alice)
    seen = _wait_for(outsider, tenant, stored)
    assert set(seen) == stored
    event_ids = {b["id"] for b in outsider.bodies if b["tenantid"] == tenant}
    assert len(event_ids) == len(stored)
