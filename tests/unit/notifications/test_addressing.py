"""Who gets which notice: each person once per event, never the excluded."""

from desk_notifications.domain.addressing import address
from desk_notifications.domain.model import EventNotices, NoticeKind, Recipient
from desk_notifications.service_layer import notices
from helpdesk_contracts.sla.v1 import NotifyTargets

from tests.unit.notifications.builders import (
    REQUESTER,
    assignees,
    comment,
    person,
    sla_point,
    status,
    team,
    user,
)


def reached(event: EventNotices, people: list[Recipient]) -> dict[str, NoticeKind]:
    pairs = address(event, people)
    return {p.user_id: n.kind for n, p in pairs}


def test_a_person_reached_three_ways_gets_one_sla_message() -> None:
    event = notices.sla_point_notices(
        sla_point(
            notify=NotifyTargets(users=["olga"], all_assignees=True),
            primary_assignee=user("olga"),
            additional_assignees=[team("night-shift")],
        )
    )
    people = [person("olga", "night-shift"), person("nils", "night-shift")]

    assert reached(event, people) == {
        "olga": NoticeKind.SLA_BREACH,
        "nils": NoticeKind.SLA_BREACH,
    }


def test_primary_assignee_only_leaves_additional_assignees_out() -> None:
    event = notices.sla_point_notices(
        sla_point(
            notify=NotifyTargets(primary_assignee=True),
            primary_assignee=team("night-shift"),
            additional_assignees=[user("adam")],
        )
    )

    assert event.audience.teams == {"night-shift"}
    assert "adam" not in event.audience.users


def test_an_internal_note_never_reaches_the_requester_even_when_mentioned() -> None:
    event = notices.comment_notices(comment(internal=True, mentions=["rita", "bob"]))

    assert reached(event, [person("rita"), person("bob")]) == {
        "bob": NoticeKind.MENTION
    }


def test_a_public_reply_goes_to_the_requester_once_though_also_mentioned() -> None:
    event = notices.comment_notices(comment(mentions=["rita", "bob"]))

    assert reached(event, [person("rita"), person("bob"), person("olga")]) == {
        "rita": NoticeKind.PUBLIC_REPLY,
        "bob": NoticeKind.MENTION,
    }


def test_a_requester_comment_is_not_mailed_back_to_them() -> None:
    event = notices.comment_notices(comment(author=REQUESTER, actor=REQUESTER))

    assert reached(event, [person("rita")]) == {}


def test_only_newly_added_assignees_are_told_and_not_the_actor() -> None:
    event = notices.assignment_notices(
        assignees(
            primary=user("adam"),
            additional=[user("bea"), team("night-shift"), user("olga")],
            previous_additional=[user("bea")],
        )
    )
    people = [person("adam"), person("bea"), person("nils", "night-shift")]
    people.append(person("olga", "night-shift"))

    assert reached(event, people) == {
        "adam": NoticeKind.ASSIGNED,
        "nils": NoticeKind.ASSIGNED,
    }


def test_the_requester_hears_of_resolved_but_not_of_in_progress() -> None:
    resolved = notices.status_notices(status("resolved"))
    working = notices.status_notices(status("in_progress", from_status="open"))

    assert reached(resolved, [person("rita")]) == {"rita": NoticeKind.STATUS_CHANGED}
    assert working.notices == ()


def test_a_requester_who_closes_their_own_request_is_not_told() -> None:
    event = notices.status_notices(status("closed", actor=REQUESTER))

    assert reached(event, [person("rita")]) == {}
