"""A real SMTP server (aiosmtpd) in the test's event loop that keeps what it gets.

``refuse`` and ``stall`` make it fail the next messages on purpose: with a
temporary 451 reply, at once or only after a delay.
"""

import asyncio
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Sink:
    """The mail the server accepted, and the trouble it is told to make."""

    received: list[EmailMessage] = field(default_factory=list)
    refuse: int = 0
    """How many of the next messages get a temporary failure."""
    stall: float = 0.0
    """Seconds to wait before refusing the next message (then reset)."""
    attempts: int = 0

    async def handle_DATA(  # the name aiosmtpd calls
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        self.attempts += 1
        if self.stall:
            delay, self.stall = self.stall, 0.0
            await asyncio.sleep(delay)  # the client has given up by now
            return "451 4.3.0 too slow"
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        assert isinstance(envelope.content, bytes)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(parsed)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if address in str(m["To"])]


async def start_sink(port: int) -> tuple[Sink, asyncio.Server]:
    sink = Sink()
    loop = asyncio.get_running_loop()

    def protocol() -> Any:
        return SMTP(sink, hostname="sink.localhost", data_size_limit=10_000_000)

    server = await loop.create_server(protocol, "127.0.0.1", port)
    return sink, server
