"""Where replies to a tenant's notices go: its mailbox, from mail-ingest, cached.

mail-ingest owns the mailboxes; ``GET /v1/internal/reply-address`` names the
tenant's reply mailbox (or its oldest active one), or none. Answers, none
included, are kept ``reply_address_cache_seconds``. When mail-ingest cannot be
reached, the last answer is used however old it is; only a tenant never asked
about makes the event wait (``ReplyAddressUnavailable``, retried). A 404 means a
mail-ingest older than the endpoint: no address, as before it existed.
"""

import logging
import time

import aiohttp

from desk_notifications.config import NotificationsSettings
from desk_notifications.domain.errors import ReplyAddressUnavailable
from desk_notifications.domain.mail import is_plain_address

log = logging.getLogger(__name__)


class ReplyAddresses:
    """Tenants' reply addresses over HTTP, with a time-limited cache."""

    def __init__(self, settings: NotificationsSettings) -> None:
        self._url = settings.mail_url.rstrip("/") + "/v1/internal/reply-address"
        self._ttl = settings.reply_address_cache_seconds
        self._timeout = aiohttp.ClientTimeout(total=5.0, sock_connect=2.0)
        self._session: aiohttp.ClientSession | None = None
        self._cache: dict[str, tuple[float, str | None]] = {}

    async def of(self, tenant_id: str) -> str | None:
        """The address the tenant's requesters should reply to, if it has one."""
        cached = self._cache.get(tenant_id)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            found = await self._ask(tenant_id)
        except ReplyAddressUnavailable as exc:
            if cached is None:
                raise
            # The tenant is in the record's context (the consumer binds it).
            log.warning("mail-ingest failed, reply address kept: %s", exc)
            return cached[1]
        self._cache[tenant_id] = (now + self._ttl, found)
        return found

    async def _ask(self, tenant_id: str) -> str | None:
        try:
            async with self._client().get(
                self._url, headers={"x-desk-tenant": tenant_id}
            ) as answer:
                if answer.status == 404:
                    return None
                if answer.status != 200:
                    text = (await answer.text())[:200]
                    raise ReplyAddressUnavailable(
                        f"mail-ingest answered {answer.status}: {text}"
                    )
                body = await answer.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ReplyAddressUnavailable(
                f"mail-ingest is unreachable: {exc!r}"
            ) from exc
        return _checked(body.get("address"))

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use: a session belongs to the event loop it was made in.
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def _checked(address: object) -> str | None:
    """The address, unless it could not stand alone in a header."""
    if address is None:
        return None
    if not isinstance(address, str) or not is_plain_address(address):
        log.warning("the tenant's reply address is unusable: %r", address)
        return None
    return address
