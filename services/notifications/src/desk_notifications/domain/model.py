"""What the service reasons about: notices, audiences, recipients and deliveries."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class NoticeKind(StrEnum):
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    MENTION = "mention"
    ASSIGNED = "assigned"
    PUBLIC_REPLY = "public_reply"
    STATUS_CHANGED = "status_changed"


class Channel(StrEnum):
    EMAIL = "email"
    INBOX = "inbox"


@dataclass(frozen=True)
class Audience:
    """Who a notice is for: users, and teams that stand for their members."""

    users: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Notice:
    """One thing to tell an audience about a ticket, and the templates that say it."""

    kind: NoticeKind
    audience: Audience
    title_template: str
    body_template: str
    variables: Mapping[str, Any]
    automatic: bool = True
    """Sent by the desk on its own (``Auto-Submitted: auto-generated``); false for a
    person's words passed on, such as an operator's reply."""
    invites_reply: bool = False
    """The requester may answer it into the ticket's conversation: the email names
    the tenant's mailbox in ``Reply-To``. Never on notices to operators, whose
    answer by mail would be posted as a public reply."""


@dataclass(frozen=True)
class EventNotices:
    """What one event asks to be told, most specific first.

    A person reached by several notices of one event gets only the first of them;
    ``excluded`` (the person who caused the event, or a requester who must not
    read an internal note) gets none.
    """

    event_id: uuid.UUID
    tenant_id: str
    ticket_id: uuid.UUID
    reference: str
    notices: tuple[Notice, ...]
    excluded: frozenset[str] = frozenset()
    actor_id: str | None = None
    """Who caused the event; looked up for their name, never told."""
    requester_id: str | None = None
    """Whose request it is; looked up for their name (``ticket.requester``)."""
    external_requester: "Recipient | None" = None
    """The requester when the directory does not know them: known by address from
    the event itself, named in audiences by its ``user_id``, told by email only."""

    @property
    def audience(self) -> Audience:
        """Everyone to look up in the directory: every notice's audience, the actor,
        the requester; not the external requester, whom the event describes."""
        users: set[str] = set()
        teams: set[str] = set()
        for notice in self.notices:
            users |= notice.audience.users
            teams |= notice.audience.teams
        users |= {u for u in (self.actor_id, self.requester_id) if u is not None}
        if self.external_requester is not None:
            users.discard(self.external_requester.user_id)
        return Audience(frozenset(users), frozenset(teams))


@dataclass(frozen=True)
class Recipient:
    """A person as the directory knows them; ``teams`` they were reached through."""

    user_id: str
    name: str
    email: str | None
    teams: frozenset[str] = field(default_factory=frozenset)
    team_names: Mapping[str, str] = field(default_factory=dict, compare=False)
    """Names of ``teams`` by id, for the words of a message."""
    inbox: bool = True
    """Whether they have an in-app inbox; a person known only by address has not."""


@dataclass(frozen=True)
class Message:
    """A rendered notice for one recipient."""

    recipient: Recipient
    kind: NoticeKind
    title: str
    body: str
    automatic: bool
    invites_reply: bool = False
