"""The operator commands of the README and docs, run as a newcomer runs them."""

import signal
import subprocess
import time

import aio_pika
import httpx
from desk_infra.broker import (
    ERROR_HEADER,
    ConsumerSpec,
    create_broker,
    declare_consumer_topology,
)
from desk_infra.settings import ServiceSettings
from helpdesk_contracts.routing import DEAD_LETTER_EXCHANGE

from tests.conftest import free_port, unique
from tests.e2e.conftest import Desk


def test_up_starts_every_process_and_stops_them_on_ctrl_c(desk: Desk) -> None:
    tickets_port, gateway_port = free_port(), free_port()
    sla_port, mail_port, inbox_port = free_port(), free_port(), free_port()
    env = {
        **desk.env,
        "DESK_TICKETS_PORT": str(tickets_port),
        "DESK_GATEWAY_PORT": str(gateway_port),
        "DESK_TICKETS_URL": f"http://127.0.0.1:{tickets_port}",
        "DESK_SLA_PORT": str(sla_port),
        "DESK_SLA_URL": f"http://127.0.0.1:{sla_port}",
        "DESK_MAIL_PORT": str(mail_port),
        "DESK_MAIL_URL": f"http://127.0.0.1:{mail_port}",
        "DESK_MAIL_SMTP_PORT": str(free_port()),
        "DESK_NOTIFICATIONS_PORT": str(inbox_port),
        "DESK_NOTIFICATIONS_URL": f"http://127.0.0.1:{inbox_port}",
    }
    up = subprocess.Popen(
        ["supportdesk", "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert up.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not any("desk is up" in s for s in lines):
        lines.append(up.stdout.readline().decode())

    ready = httpx.get(f"http://127.0.0.1:{gateway_port}/readyz", timeout=5)
    up.send_signal(signal.SIGINT)
    code = up.wait(60)
    up.stdout.close()

    assert f"Gateway: http://127.0.0.1:{gateway_port}" in lines[-1]
    assert ready.status_code == 200
    assert code == 0
    try:
        httpx.get(f"http://127.0.0.1:{gateway_port}/healthz", timeout=2)
        raise AssertionError("the gateway still answers after up stopped")
    except httpx.TransportError:
        pass


async def test_dlq_commands_list_and_replay(desk: Desk) -> None:
    spec = ConsumerSpec(queue=unique("e2e.dlq"), bindings=(unique("nothing"),))
    url = desk.env["DESK_AMQP_URL"]
    broker = create_broker(ServiceSettings(amqp_url=url), app_id="e2e")
    await broker.connect()
    await declare_consumer_topology(broker, spec)
    await broker.stop()
    connection = await aio_pika.connect(url)
    channel = await connection.channel()
    dlx = await channel.get_exchange(DEAD_LETTER_EXCHANGE)
    await dlx.publish(
        aio_pika.Message(
            b"{}", message_id="m-7", headers={ERROR_HEADER: "no such topic"}
        ),
        routing_key=spec.queue,
    )

    listed = desk.cli("dlq", "list", spec.queue)
    replayed = desk.cli("dlq", "replay", spec.queue)

    assert "m-7" in listed
    assert "reason: no such topic" in listed
    assert "replayed 1 message(s)" in replayed
    for name in (
        spec.queue,
        f"{spec.queue}.dlq",
        *(q.name for q in spec.retry_queues()),
    ):
        await channel.queue_delete(name)
    await connection.close()
