"""The desk's services: how to migrate them and how to start them as processes."""

import os
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from desk_gateway.config import GatewaySettings
from desk_mail_ingest.config import MailSettings
from desk_mail_ingest.entrypoints.main import migrate as migrate_mail
from desk_notifications.config import NotificationsSettings
from desk_notifications.entrypoints.main import migrate as migrate_notifications
from desk_sla.config import SlaSettings
from desk_sla.entrypoints.main import migrate as migrate_sla
from desk_tickets.config import TicketsSettings
from desk_tickets.entrypoints.main import migrate as migrate_tickets


@dataclass(frozen=True)
class Service:
    name: str
    command: str
    health_url: str | None


def services() -> list[Service]:
    """Every process of the desk, in start order."""
    tickets = TicketsSettings()
    sla = SlaSettings()
    notifications = NotificationsSettings()
    gateway = GatewaySettings()
    mail = MailSettings()
    inbox = f"{notifications.notifications_host}:{notifications.notifications_port}"
    return [
        Service(
            "tickets",
            "desk-tickets",
            f"http://{tickets.tickets_host}:{tickets.tickets_port}/readyz",
        ),
        Service("tickets-relay", "desk-tickets-relay", None),
        Service("tickets-worker", "desk-tickets-worker", None),
        Service("sla", "desk-sla", f"http://{sla.sla_host}:{sla.sla_port}/readyz"),
        Service("sla-worker", "desk-sla-worker", None),
        Service("notifications", "desk-notifications", f"http://{inbox}/readyz"),
        Service("notifications-worker", "desk-notifications-worker", None),
        Service(
            "mail-ingest",
            "desk-mail-ingest",
            f"http://{mail.mail_host}:{mail.mail_port}/readyz",
        ),
        Service("mail-relay", "desk-mail-relay", None),
        Service(
            "gateway",
            "desk-gateway",
            f"http://{gateway.gateway_host}:{gateway.gateway_port}/readyz",
        ),
    ]


MIGRATIONS: dict[str, Callable[[], Awaitable[None]]] = {
    "tickets": migrate_tickets,
    "sla": migrate_sla,
    "notifications": migrate_notifications,
    "mail": migrate_mail,
}


async def migrate_all() -> None:
    for migrate in MIGRATIONS.values():
        await migrate()


def gateway_url() -> str:
    settings = GatewaySettings()
    return f"http://{settings.gateway_host}:{settings.gateway_port}"


def wait_ready(
    url: str, process: subprocess.Popen[bytes], timeout: float = 60.0
) -> None:
    """Poll ``url`` until it answers 200; fail if the process exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} was not ready after {timeout:.0f}s")


def run_all(echo: Callable[[str], None]) -> int:
    """Start every service, wait for each to be ready, and supervise until a signal."""
    started: list[tuple[Service, subprocess.Popen[bytes]]] = []
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        for service in services():
            process = subprocess.Popen([service.command], env=os.environ.copy())  # noqa: S603
            started.append((service, process))
            if service.health_url:
                wait_ready(service.health_url, process)
            echo(f"{service.name} is ready")
        url = gateway_url()
        echo(f"The desk is up. Gateway: {url} (API docs: {url}/docs)")
        while not stopping:
            for service, process in started:
                if process.poll() is not None:
                    echo(f"{service.name} exited with {process.returncode}; stopping")
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        for _, process in reversed(started):
            if process.poll() is None:
                process.terminate()
        for _, process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
