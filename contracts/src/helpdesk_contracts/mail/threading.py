"""Message-IDs the desk sends, and how to recognise them in replies.

Outbound mail about a ticket uses ``<desk.<ticket uuid>.<unique>@<domain>>``, so a
reply's ``In-Reply-To`` or ``References`` names its ticket without any lookup.
"""

import re
import uuid

from helpdesk_contracts.envelope import new_event_id

_DESK_ID = re.compile(
    r"<?desk\.(?P<ticket>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    r"\.[0-9a-z.-]+@[^>\s]+>?",
    re.IGNORECASE,
)


def desk_message_id(ticket_id: uuid.UUID, domain: str) -> str:
    return f"<desk.{ticket_id}.{new_event_id().hex}@{domain}>"


def is_desk_message_id(message_id: str) -> bool:
    return _DESK_ID.fullmatch(message_id.strip()) is not None


def ticket_of(message_ids: list[str]) -> uuid.UUID | None:
    """The ticket named by the newest desk Message-ID among ``message_ids``."""
    for message_id in reversed(message_ids):
        match = _DESK_ID.fullmatch(message_id.strip())
        if match:
            return uuid.UUID(match["ticket"])
    return None
