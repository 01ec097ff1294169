"""Sending mail over SMTP (aiosmtplib) through a small pool of open connections.

A connection is reused for many messages: opening one (TCP, greeting, EHLO,
STARTTLS, AUTH) costs more than sending a notice. Each send has its own deadline,
so a slow server delays only the sends waiting on it, never the whole worker.
"""

import asyncio
import logging

import aiosmtplib

from desk_notifications.config import NotificationsSettings
from desk_notifications.domain.errors import DeliveryFailed
from desk_notifications.domain.mail import OutgoingMail

log = logging.getLogger(__name__)


class PermanentRefusal(DeliveryFailed):
    """The server refused for good (a 5xx reply): retrying cannot help."""


class SmtpMailer:
    """Sends messages over at most ``settings.smtp_connections`` connections."""

    def __init__(self, settings: NotificationsSettings) -> None:
        self._settings = settings
        self._timeout = settings.smtp_timeout
        self._idle: asyncio.LifoQueue[aiosmtplib.SMTP] = asyncio.LifoQueue()
        self._slots = asyncio.Semaphore(settings.smtp_connections)

    def _client(self) -> aiosmtplib.SMTP:
        s = self._settings
        password = s.smtp_password.get_secret_value() if s.smtp_password else None
        return aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username,
            password=password,
            start_tls=s.smtp_starttls,
            timeout=self._timeout,
        )

    async def send(self, message: OutgoingMail) -> None:
        """Send ``message`` within the deadline, or raise ``DeliveryFailed``."""
        async with self._slots:
            client = self._idle.get_nowait() if not self._idle.empty() else None
            reused = client is not None and client.is_connected
            try:
                client = await self._send(client, message)
            except aiosmtplib.SMTPServerDisconnected as exc:
                if not reused:
                    raise DeliveryFailed(
                        "the mail server closed the connection"
                    ) from exc
                # An idle connection the server has since closed: one fresh try.
                try:
                    client = await self._send(None, message)
                except aiosmtplib.SMTPServerDisconnected as again:
                    raise DeliveryFailed(
                        "the mail server closed the connection"
                    ) from again
            self._idle.put_nowait(client)

    async def _send(
        self, client: aiosmtplib.SMTP | None, message: OutgoingMail
    ) -> aiosmtplib.SMTP:
        client = client or self._client()
        try:
            async with asyncio.timeout(self._timeout):
                if not client.is_connected:
                    await client.connect()
                await client.sendmail(message.sender, [message.recipient], message.data)
        except aiosmtplib.SMTPServerDisconnected:
            client.close()
            raise
        except aiosmtplib.SMTPRecipientsRefused as exc:
            _close(client)
            codes = [r.code for r in exc.recipients]
            refusal = f"recipient refused: {exc.recipients[0].message}"
            if all(code >= 500 for code in codes):
                raise PermanentRefusal(refusal) from exc
            raise DeliveryFailed(refusal) from exc
        except aiosmtplib.SMTPResponseException as exc:
            _close(client)
            if exc.code >= 500:
                raise PermanentRefusal(f"{exc.code} {exc.message}") from exc
            raise DeliveryFailed(f"{exc.code} {exc.message}") from exc
        except TimeoutError as exc:
            _close(client)
            raise DeliveryFailed(
                f"the mail server did not answer within {self._timeout:g}s"
            ) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            _close(client)
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        return client

    async def close(self) -> None:
        while not self._idle.empty():
            client = self._idle.get_nowait()
            if client.is_connected:
                try:
                    await asyncio.wait_for(client.quit(), 1.0)
                except (aiosmtplib.SMTPException, OSError, TimeoutError):
                    client.close()


def _close(client: aiosmtplib.SMTP) -> None:
    """Drop a connection in an unknown state; the next send opens a new one."""
    if client.is_connected:
        client.close()
