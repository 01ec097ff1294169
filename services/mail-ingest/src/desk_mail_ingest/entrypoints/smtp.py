"""The SMTP listener a mail server relays support mail to (aiosmtpd).

A recipient with no mailbox is refused at ``RCPT`` (550); a message is accepted
(250) only once it is stored and recorded; when storage fails the answer is 451,
so that the sending server keeps the message and tries again.
"""

import asyncio
import logging
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from desk_mail_ingest.adapters.repository import Mailbox
from desk_mail_ingest.domain.errors import StorageUnavailable, UnknownMailbox
from desk_mail_ingest.service_layer.intake import MailIntake

log = logging.getLogger(__name__)


class DeskHandler:
    """aiosmtpd hooks: check recipients, then hand the message to the intake."""

    def __init__(self, intake: MailIntake) -> None:
        self._intake = intake

    async def handle_RCPT(  # aiosmtpd's hook name
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        try:
            mailbox = await self._intake.mailbox(address)
        except UnknownMailbox:
            return "550 5.1.1 No such mailbox here"
        except StorageUnavailable as exc:
            log.warning("recipient check failed: %s", exc)
            return "451 4.3.0 Temporary failure, try again later"
        envelope.rcpt_tos.append(address)
        _mailboxes(envelope)[mailbox.id] = mailbox
        return "250 2.1.5 OK"

    async def handle_DATA(  # aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        ids = []
        try:
            for mailbox in _mailboxes(envelope).values():
                outcome = await self._intake.receive(
                    raw, mailbox, source="smtp", envelope_sender=envelope.mail_from
                )
                ids.append(str(outcome.mail_id))
        except StorageUnavailable as exc:
            log.warning("message not stored, sender asked to retry: %s", exc)
            return "451 4.3.0 Temporary failure, try again later"
        return f"250 2.0.0 OK {' '.join(ids)}"


def _mailboxes(envelope: Envelope) -> dict[Any, Mailbox]:
    found: dict[Any, Mailbox] | None = getattr(envelope, "desk_mailboxes", None)
    if found is None:
        found = {}
        envelope.desk_mailboxes = found  # type: ignore[attr-defined]  # our own slot
    return found


async def start_smtp(
    intake: MailIntake, host: str, port: int, max_bytes: int
) -> asyncio.Server:
    """Listen for SMTP on ``host:port`` in the running loop."""
    handler = DeskHandler(intake)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(
            handler,
            data_size_limit=max_bytes,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname="desk-mail-ingest",
            ident="desk mail-ingest",
        ),
        host=host,
        port=port,
    )
    log.info("SMTP listening on %s:%d", host, port)
    return server
