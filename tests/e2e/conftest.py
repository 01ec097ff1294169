"""The desk as real processes on free ports, driven over HTTP through the gateway."""

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from desk_gateway.auth import mint_token
from desk_infra.settings import JwtSettings
from helpdesk_contracts.vocabulary import ActorKind
from pydantic import SecretStr
from supportdesk.services import wait_ready

from tests.conftest import ROOT, free_port, unique

SECRET = "e2e-secret-not-for-production-use-0123456789"
DATABASE = "desk_tickets_e2e"
SLA_DATABASE = "desk_sla_e2e"
MAIL_DATABASE = "desk_mail_e2e"
NOTIFICATIONS_DATABASE = "desk_notifications_e2e"
BLOBS = ROOT / "var" / "e2e-blobs"


@dataclass
class Desk:
    """The running processes and how to reach them."""

    env: dict[str, str]
    gateway: str
    tickets: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    smtp_port: int = 0
    outbound_smtp_port: int = 0
    """Where the notification workers send mail (tests listen there)."""

    def start(self, name: str, command: str, ready_url: str | None = None) -> None:
        with (ROOT / "var" / f"e2e-{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(
                [command], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        if ready_url:
            wait_ready(ready_url, self.processes[name])

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        process.kill()
        process.wait()

    def stop_all(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            ["supportdesk", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def token(
        self, tenant: str, user: str, *permissions: str, kind: str = "operator"
    ) -> str:
        settings = JwtSettings(secret=SecretStr(SECRET))
        return mint_token(
            settings,
            tenant_id=tenant,
            user_id=user,
            kind=ActorKind(kind),
            permissions=list(permissions),
        )


@pytest.fixture(scope="session")
def virtual_host(servers: dict[str, str]) -> Iterator[str]:
    """The AMQP URL of a RabbitMQ virtual host made for this session.

    The desk's queues are shared by name (``sla.tickets``, ``tickets.mail`` ...):
    another desk on the same broker, or events left by the service tests, would
    otherwise be consumed by this one. With no ``rabbitmqctl`` (a remote broker)
    the default virtual host is used.
    """
    name = unique("desk-e2e")
    try:
        for command in (
            ["add_vhost", name],
            ["set_permissions", "-p", name, "guest", ".*", ".*", ".*"],
        ):
            subprocess.run(["rabbitmqctl", *command], check=True, capture_output=True)
    except FileNotFoundError:
        yield servers["amqp"]
        return
    try:
        yield f"{servers['amqp'].rstrip('/')}/{name}"
    finally:
        subprocess.run(["rabbitmqctl", "delete_vhost", name], capture_output=True)


@pytest.fixture(scope="session")
def desk(servers: dict[str, str], virtual_host: str) -> Iterator[Desk]:
    (ROOT / "var").mkdir(exist_ok=True)
    tickets_port, gateway_port, sla_port = free_port(), free_port(), free_port()
    mail_port, smtp_port = free_port(), free_port()
    notifications_port, outbound_smtp_port = free_port(), free_port()
    env = {
        **os.environ,
        "DESK_PG_URL": servers["pg"],
        "DESK_AMQP_URL": virtual_host,
        "DESK_TICKETS_DATABASE": DATABASE,
        "DESK_TICKETS_PORT": str(tickets_port),
        "DESK_GATEWAY_PORT": str(gateway_port),
        "DESK_TICKETS_URL": f"http://127.0.0.1:{tickets_port}",
        "DESK_SLA_DATABASE": SLA_DATABASE,
        "DESK_SLA_PORT": str(sla_port),
        "DESK_SLA_URL": f"http://127.0.0.1:{sla_port}",
        "DESK_JWT_SECRET": SECRET,
        "DESK_LOG_LEVEL": "WARNING",
        "DESK_TENANT_CACHE_SECONDS": "0",
        "DESK_BLOB_URL": f"file://{BLOBS}",
        "DESK_MAIL_DATABASE": MAIL_DATABASE,
        "DESK_MAIL_PORT": str(mail_port),
        "DESK_MAIL_SMTP_PORT": str(smtp_port),
        "DESK_MAIL_URL": f"http://127.0.0.1:{mail_port}",
        "DESK_NOTIFICATIONS_DATABASE": NOTIFICATIONS_DATABASE,
        "DESK_NOTIFICATIONS_PORT": str(notifications_port),
        "DESK_NOTIFICATIONS_URL": f"http://127.0.0.1:{notifications_port}",
        "DESK_SMTP_PORT": str(outbound_smtp_port),
        "DESK_SMTP_TIMEOUT": "2",
        # A dozen processes share the server's 100 connections.
        "DESK_DB_POOL_SIZE": "5",
        "DESK_SLA_IDLE_SECONDS": "0.1",
    }
    running = Desk(
        env,
        f"http://127.0.0.1:{gateway_port}",
        f"http://127.0.0.1:{tickets_port}",
        smtp_port=smtp_port,
        outbound_smtp_port=outbound_smtp_port,
    )
    running.cli("migrate")
    try:
        running.start("tickets", "desk-tickets", f"{running.tickets}/readyz")
        running.start("relay", "desk-tickets-relay")
        running.start("tickets-worker", "desk-tickets-worker")
        running.start("mail", "desk-mail-ingest", f"{env['DESK_MAIL_URL']}/readyz")
        running.start("mail-relay", "desk-mail-relay")
        running.start("sla", "desk-sla", f"{env['DESK_SLA_URL']}/readyz")
        running.start("sla-worker", "desk-sla-worker")
        running.start(
            "notifications",
            "desk-notifications",
            f"{env['DESK_NOTIFICATIONS_URL']}/readyz",
        )
        running.start("notifications-worker", "desk-notifications-worker")
        running.start("gateway", "desk-gateway", f"{running.gateway}/readyz")
        yield running
    finally:
        running.stop_all()


class Outbox:
    """What the desk's notification workers mailed (an aiosmtpd server)."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []

    async def handle_DATA(  # the name aiosmtpd calls
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        assert isinstance(envelope.content, bytes)
        self.received.append(
            message_from_bytes(envelope.content, policy=policy.default)
        )
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if address in str(m["To"])]


@pytest.fixture(scope="session")
def outbox(desk: Desk) -> Iterator[Outbox]:
    """The mail server the notification workers send to, for the whole session."""
    found = Outbox()
    controller = Controller(found, hostname="127.0.0.1", port=desk.outbound_smtp_port)
    controller.start()
    yield found
    controller.stop()


class Api:
    """The gateway, called with one bearer token (a connection per call)."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.headers = {"authorization": f"Bearer {token}"}

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return httpx.request(
            method, self.base + path, headers=headers, timeout=10, **kwargs
        )

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def tenant(desk: Desk) -> str:
    """A fresh tenant with Support enabled, registered through the CLI."""
    name = unique("e2e")
    desk.cli(
        "token", "--tenant", name, "--user", "alice", "-p", "support:request:update:all"
    )
    return name


@pytest.fixture
def alice(desk: Desk, tenant: str) -> Api:
    return Api(
        desk.gateway,
        desk.token(
            tenant,
            "alice",
            "support:request:update:all",
            "support:request:delete:all",
            "support:settings:topics",
        ),
    )
