"""Who gets which notice of an event: each person once, the first notice wins.

A requester the directory does not know (a ticket opened by mail from a stranger)
is reached by the address the event carries, under the id ``mailto:<address>``;
a requester in the directory always wins over such an address.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from desk_notifications.domain.mail import is_plain_address
from desk_notifications.domain.model import EventNotices, Message, Notice, Recipient

Render = Callable[[str, Mapping[str, Any]], str]
"""A template engine: source and variables in, text out (or ``TemplateFailed``)."""

EXTERNAL_PREFIX = "mailto:"


def external_requester(
    requester_id: str | None, email: str | None, name: str | None
) -> Recipient | None:
    """The requester to tell by address alone: only one the directory does not know."""
    if requester_id or not email or not is_plain_address(email.strip()):
        return None
    address = email.strip()
    return Recipient(
        user_id=f"{EXTERNAL_PREFIX}{address.lower()}",
        name=_one_line(name or "") or address,
        email=address,
        inbox=False,
    )


def address(
    event: EventNotices, recipients: Sequence[Recipient]
) -> list[tuple[Notice, Recipient]]:
    """Pair every reached person with the first notice that names them or a team."""
    chosen: dict[str, tuple[Notice, Recipient]] = {}
    for notice in event.notices:
        for person in sorted(recipients, key=lambda r: r.user_id):
            if person.user_id in event.excluded or person.user_id in chosen:
                continue
            named = person.user_id in notice.audience.users
            if named or person.teams & notice.audience.teams:
                chosen[person.user_id] = (notice, person)
    return list(chosen.values())


def compose(
    event: EventNotices,
    notice: Notice,
    person: Recipient,
    directory: Mapping[str, Recipient],
    render: Render,
    ticket_url: str = "",
) -> Message:
    """Render ``notice`` for ``person``; ``directory`` names actor and requester."""
    actor = directory.get(event.actor_id or "")
    requester = directory.get(event.requester_id or "") or event.external_requester
    via = sorted(person.teams & notice.audience.teams)
    direct = person.user_id in notice.audience.users
    variables = {
        **notice.variables,
        "ticket": {
            "topic": "",
            **notice.variables.get("ticket", {}),
            "requester": requester.name if requester else "",
            "url": ticket_url.format(ticket_id=event.ticket_id),
        },
        "recipient": {"id": person.user_id, "name": person.name},
        "actor": {
            "id": event.actor_id,
            "name": actor.name if actor else (event.actor_id or "The desk"),
        },
        "via_team": None
        if direct or not via
        else person.team_names.get(via[0], via[0]),
    }
    return Message(
        recipient=person,
        kind=notice.kind,
        title=_one_line(render(notice.title_template, variables)),
        body=render(notice.body_template, variables),
        automatic=notice.automatic,
        invites_reply=notice.invites_reply,
    )


def _one_line(text: str) -> str:
    """A subject is one line: header injection and folding surprises stop here."""
    return " ".join(text.split())[:200]
