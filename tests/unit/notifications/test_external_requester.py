"""A requester the directory does not know is told by the address the event carries."""

from dataclasses import replace
from typing import Any

import pytest
from desk_notifications.domain.addressing import address, compose, external_requester
from desk_notifications.domain.model import EventNotices, NoticeKind, Recipient
from desk_notifications.service_layer import notices
from desk_notifications.service_layer.delivery import render

from tests.unit.notifications.builders import (
    assignees,
    comment,
    person,
    sla_point,
    status,
    user,
)

SAM: dict[str, Any] = {
    "requester_id": None,
    "requester_email": "Sam@Elsewhere.example",
    "requester_name": "Sam Stranger",
}
SAM_ID = "mailto:sam@elsewhere.example"


def reached(event: EventNotices, people: list[Recipient]) -> dict[str, NoticeKind]:
    everyone = [*people, *filter(None, [event.external_requester])]
    return {p.user_id: n.kind for n, p in address(event, everyone)}


def test_an_unknown_senders_reply_and_status_notices_go_to_their_address() -> None:
    reply = notices.comment_notices(comment(**SAM))
    pending = notices.status_notices(status("pending", **SAM))

    assert reached(reply, [person("olga")]) == {SAM_ID: NoticeKind.PUBLIC_REPLY}
    assert reached(pending, [person("olga")]) == {SAM_ID: NoticeKind.STATUS_CHANGED}
    assert reply.external_requester == Recipient(
        SAM_ID, "Sam Stranger", "Sam@Elsewhere.example", inbox=False
    )


def test_the_directory_is_never_asked_about_an_address() -> None:
    event = notices.comment_notices(comment(mentions=["bob"], **SAM))

    assert event.audience.users == {"olga", "bob"}


def test_an_internal_note_never_reaches_the_unknown_sender() -> None:
    event = notices.comment_notices(comment(internal=True, mentions=["bob"], **SAM))

    assert reached(event, [person("bob")]) == {"bob": NoticeKind.MENTION}
    assert SAM_ID in event.excluded


def test_a_requester_in_the_directory_wins_over_an_address() -> None:
    event = notices.comment_notices(comment(**{**SAM, "requester_id": "rita"}))

    assert event.external_requester is None
    assert reached(event, [person("rita")]) == {"rita": NoticeKind.PUBLIC_REPLY}


@pytest.mark.parametrize(
    "email",
    [None, "", "sam", "sam smith@x.example", "<sam@x.example>", "a@x,b@y.example"],
)
def test_an_address_that_cannot_be_written_as_is_reaches_nobody(
    email: str | None,
) -> None:
    assert external_requester(None, email, "Sam") is None


@pytest.mark.parametrize("email", ["sam@x.example\r\nBcc: e@vil.example", "sœ@x.fr"])
def test_an_address_unsafe_in_a_header_reaches_nobody(email: str) -> None:
    assert external_requester(None, email, "Sam") is None


def test_a_nameless_sender_is_greeted_by_address() -> None:
    event = notices.status_notices(status("resolved", **{**SAM, "requester_name": ""}))
    sam = event.external_requester
    assert sam is not None

    message = compose(event, event.notices[0], sam, {}, render)

    assert message.body.startswith("Hello Sam@Elsewhere.example,")


def test_the_unknown_sender_is_the_ticket_requester_in_every_notice() -> None:
    event = notices.comment_notices(comment(mentions=["bob"], **SAM))
    bob = person("bob")
    mention = next(n for n in event.notices if n.kind is NoticeKind.MENTION)
    shown = replace(mention, body_template="{{ ticket.requester }}")

    message = compose(event, shown, bob, {"bob": bob}, render)

    assert message.body == "Sam Stranger"


def test_only_notices_to_the_requester_invite_a_reply() -> None:
    reply = notices.comment_notices(comment(mentions=["bob"]))
    pending = notices.status_notices(status("pending"))
    assigned = notices.assignment_notices(assignees(primary=user("bea")))
    breach = notices.sla_point_notices(sla_point())

    invited = {
        n.kind: n.invites_reply
        for e in (reply, pending, assigned, breach)
        for n in e.notices
    }

    assert invited == {
        NoticeKind.PUBLIC_REPLY: True,
        NoticeKind.MENTION: False,
        NoticeKind.STATUS_CHANGED: True,
        NoticeKind.ASSIGNED: False,
        NoticeKind.SLA_BREACH: False,
    }
