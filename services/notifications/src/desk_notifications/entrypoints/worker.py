"""``desk-notifications-worker``: consumes events and delivers notices.

Workers share the queues as competing consumers: start more to send more. Each
handles up to ``DESK_PREFETCH_COUNT`` messages at once (one task each) and sends
over ``DESK_SMTP_CONNECTIONS`` mail server connections.
"""

import asyncio
import logging
import signal

import uvloop
from desk_infra.broker import declare_consumer_topology, register_consumer
from desk_infra.logs import configure_logging
from desk_infra.runtime import Runtime
from desk_infra.serving import tune_gc
from desk_infra.telemetry import configure_tracing
from helpdesk_contracts.mail.threading import desk_message_id

from desk_notifications.adapters.delivery_log import DeliveryLog
from desk_notifications.adapters.directory import TicketsDirectory
from desk_notifications.adapters.mailboxes import ReplyAddresses
from desk_notifications.adapters.smtp import SmtpMailer
from desk_notifications.config import SERVICE, NotificationsSettings
from desk_notifications.domain.mail import Sender
from desk_notifications.entrypoints.consumers import consumers, notify_about
from desk_notifications.entrypoints.main import migrate
from desk_notifications.service_layer.delivery import MailIdentity, Notifier

log = logging.getLogger(__name__)


class Worker:
    """The worker's parts: runtime (database, broker), directory, reply addresses,
    mailer."""

    def __init__(self, settings: NotificationsSettings) -> None:
        name = f"{SERVICE}-worker"
        self.runtime = Runtime.build(name, settings, settings.notifications_database)
        self.directory = TicketsDirectory(settings)
        self.reply_addresses = ReplyAddresses(settings)
        self.mailer = SmtpMailer(settings)
        self.consumers = consumers(settings.notifications_queues)
        domain = settings.mail_domain
        self.notifier = Notifier(
            self.directory.resolve,
            DeliveryLog(self.runtime.engine, settings.sending_lease_seconds),
            self.mailer.send,
            MailIdentity(Sender.parse(settings.mail_from), domain, settings.ticket_url),
            lambda ticket_id: desk_message_id(ticket_id, domain),
            self.reply_addresses.of,
        )

    async def start(self) -> None:
        broker = self.runtime.broker
        await broker.connect()
        for consumer in self.consumers:
            await declare_consumer_topology(broker, consumer.spec)
            handler = notify_about(consumer, self.notifier.deliver)
            register_consumer(broker, consumer.spec, consumer.envelope, handler)
        await self.runtime.start()

    async def stop(self) -> None:
        await self.runtime.stop()
        await self.mailer.close()
        await self.directory.close()
        await self.reply_addresses.close()


def run() -> None:
    settings = NotificationsSettings()
    configure_logging(f"{SERVICE}-worker", settings.log_level, settings.log_format)
    configure_tracing(f"{SERVICE}-worker", settings)

    async def main() -> None:
        await migrate(settings)
        await serve_until_signalled(Worker(settings))

    tune_gc()
    uvloop.run(main())


async def serve_until_signalled(worker: Worker) -> None:
    """Run ``worker`` until SIGTERM or SIGINT; in-flight messages are settled first."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await worker.start()
    try:
        await stop.wait()
    finally:
        log.info("%s-worker stopping", SERVICE)
        await worker.stop()
