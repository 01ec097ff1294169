"""A tenant's reply address, asked of a real mail-ingest: kept through an outage."""

import pytest
from desk_mail_ingest.entrypoints.main import create_app
from desk_notifications.adapters.mailboxes import ReplyAddresses
from desk_notifications.config import NotificationsSettings
from desk_notifications.domain.errors import ReplyAddressUnavailable

from tests.conftest import free_port
from tests.service.notifications.conftest import Tenant, mail_settings, serving


def addresses_at(url: str) -> ReplyAddresses:
    return ReplyAddresses(
        NotificationsSettings(mail_url=url, reply_address_cache_seconds=0.0)
    )


async def test_a_known_reply_address_outlives_a_mail_ingest_outage(
    tenant: Tenant,
) -> None:
    mailbox = await tenant.mailbox("support")
    async with serving(create_app(mail_settings())) as url:
        addresses = addresses_at(url)
        before = await addresses.of(tenant.id)

    during = await addresses.of(tenant.id)
    await addresses.close()

    assert before == during == mailbox


async def test_a_tenant_never_asked_about_waits_for_mail_ingest(
    tenant: Tenant,
) -> None:
    addresses = addresses_at(f"http://127.0.0.1:{free_port()}")

    with pytest.raises(ReplyAddressUnavailable):
        await addresses.of(tenant.id)
    await addresses.close()


async def test_a_service_without_the_endpoint_means_no_reply_address(
    tenant: Tenant, tickets_url: str
) -> None:
    addresses = addresses_at(tickets_url)  # answers 404, as an older mail-ingest

    found = await addresses.of(tenant.id)
    await addresses.close()

    assert found is None
