"""Who people are: names and addresses from the tickets service, cached briefly.

The tickets service owns the directory replica and the teams; its internal
endpoint ``POST /v1/internal/recipients`` names users and expands teams to their
members in one call. Answers are kept ``recipients_cache_seconds``: a renamed user
or a changed team reaches notices that much later, and a burst of events about
the same people costs one call.
"""

import logging
import time
from collections.abc import Sequence
from typing import Any

import aiohttp

from desk_notifications.config import NotificationsSettings
from desk_notifications.domain.errors import RecipientsUnavailable
from desk_notifications.domain.model import Audience, Recipient

log = logging.getLogger(__name__)

CACHE_LIMIT = 10_000
"""Audiences remembered; the oldest half is dropped when the limit is reached."""

Key = tuple[str, frozenset[str], frozenset[str]]


class TicketsDirectory:
    """Resolves audiences over HTTP, with a small time-limited cache."""

    def __init__(self, settings: NotificationsSettings) -> None:
        self._url = settings.tickets_url.rstrip("/") + "/v1/internal/recipients"
        self._ttl = settings.recipients_cache_seconds
        self._timeout = aiohttp.ClientTimeout(total=10.0, sock_connect=2.0)
        self._session: aiohttp.ClientSession | None = None
        self._cache: dict[Key, tuple[float, list[Recipient]]] = {}

    async def resolve(self, tenant_id: str, audience: Audience) -> list[Recipient]:
        """Every user named, and every member of every team named, once each."""
        if not audience.users and not audience.teams:
            return []
        key = (tenant_id, audience.users, audience.teams)
        cached = self._cache.get(key)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        found = await self._ask(tenant_id, audience)
        if len(self._cache) >= CACHE_LIMIT:
            for stale in list(self._cache)[: CACHE_LIMIT // 2]:
                del self._cache[stale]
        self._cache[key] = (now + self._ttl, found)
        return found

    async def _ask(self, tenant_id: str, audience: Audience) -> list[Recipient]:
        body = {"users": sorted(audience.users), "teams": sorted(audience.teams)}
        try:
            async with self._client().post(
                self._url, json=body, headers={"x-desk-tenant": tenant_id}
            ) as answer:
                if answer.status != 200:
                    text = (await answer.text())[:200]
                    raise RecipientsUnavailable(
                        f"the tickets service answered {answer.status}: {text}"
                    )
                rows = await answer.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RecipientsUnavailable(
                f"the tickets service is unreachable: {exc!r}"
            ) from exc
        return _recipients(rows)

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use: a session belongs to the event loop it was made in.
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def _recipients(rows: Sequence[dict[str, Any]]) -> list[Recipient]:
    found = []
    for row in rows:
        names = {str(t["id"]): str(t["name"]) for t in row.get("teams") or ()}
        found.append(
            Recipient(
                user_id=str(row["user_id"]),
                name=str(row["name"]),
                email=str(row["email"]) if row.get("email") else None,
                teams=frozenset(names),
                team_names=names,
            )
        )
    return found
