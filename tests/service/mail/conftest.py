"""mail-ingest in-process (HTTP, SMTP) on a test database, and a real Dovecot."""

import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from desk_mail_ingest.config import MailSettings
from desk_mail_ingest.entrypoints.main import create_app, migrate
from fastapi import FastAPI

from tests.conftest import ROOT, free_port, unique

DATABASE = "desk_mail_test"
FIXTURES = ROOT / "tests" / "fixtures" / "mail"
RATE_LIMIT = 5


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(scope="session")
def blob_root() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="desk-mail-blobs-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
async def mail_settings(servers: dict[str, str], blob_root: Path) -> MailSettings:
    settings = MailSettings(
        mail_database=DATABASE,
        mail_smtp_port=free_port(),
        mail_imap_enabled=False,
        blob_url=f"file://{blob_root}",
        mail_rate_limit=RATE_LIMIT,
    )
    await migrate(settings)
    return settings


@pytest.fixture(scope="session")
async def mail_app(mail_settings: MailSettings) -> AsyncIterator[FastAPI]:
    app = create_app(mail_settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture(scope="session")
async def mail_api(mail_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=mail_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mail") as c:
        yield c


@dataclass
class Desk:
    """One tenant's view of the mail API, with a mailbox of its own."""

    api: httpx.AsyncClient
    tenant: str
    address: str

    @property
    def headers(self) -> dict[str, str]:
        return {"x-desk-tenant": self.tenant}

    async def listed(self, status: str) -> list[dict[str, object]]:
        answer = await self.api.get(
            "/v1/mail/messages", params={"status": status}, headers=self.headers
        )
        assert answer.status_code == 200, answer.text
        items: list[dict[str, object]] = answer.json()["items"]
        return items


@pytest.fixture
async def desk(mail_api: httpx.AsyncClient) -> Desk:
    tenant = unique("t")
    address = f"{unique('support')}@{tenant}.example"
    answer = await mail_api.put(
        f"/v1/mail/mailboxes/{address}", json={}, headers={"x-desk-tenant": tenant}
    )
    assert answer.status_code == 201, answer.text
    return Desk(mail_api, tenant, address)


@dataclass(frozen=True)
class Dovecot:
    port: int
    user: str
    password: str


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """A real IMAP server (Debian's Dovecot, installed if missing) on a free port."""
    script = str(ROOT / "scripts" / "dovecot-test.sh")
    home = tempfile.mkdtemp(prefix="desk-dovecot-")
    server = Dovecot(free_port(), "desk", "desk-secret")
    subprocess.run(
        [script, "start", home, str(server.port), server.user, server.password],
        check=True,
        env={**os.environ},
    )
    yield server
    subprocess.run([script, "stop", home], check=True)
    shutil.rmtree(home, ignore_errors=True)
