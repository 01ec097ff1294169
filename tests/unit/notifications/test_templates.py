"""Rendering notices: the documented variables, broken templates, sandbox escapes."""

from typing import Any

import pytest
from desk_infra.templates import SAMPLE_VARIABLES
from desk_notifications.domain.addressing import compose
from desk_notifications.domain.errors import TemplateFailed
from desk_notifications.domain.model import Recipient
from desk_notifications.service_layer import notices
from desk_notifications.service_layer.delivery import render

from tests.unit.notifications.builders import (
    assignees,
    comment,
    person,
    sla_point,
    status,
    team,
    user,
)

URL = "https://portal.example.com/requests/{ticket_id}"


def render_sla(template: str, **fields: Any) -> str:
    event = notices.sla_point_notices(sla_point(template=template, **fields))
    people = {"olga": person("olga"), "rita": person("rita")}
    message = compose(event, event.notices[0], people["olga"], people, render, URL)
    return message.body


def test_the_sla_template_gets_its_text_for_the_recipient() -> None:
    body = render_sla("{{ ticket.reference }} late; hi {{ recipient.name }}")

    assert body == "SR-2026-0042 late; hi Olga"


def test_every_documented_sla_variable_is_given() -> None:
    uses = " ".join(
        f"{{{{ {group}.{name} }}}}"
        for group, names in SAMPLE_VARIABLES.items()
        for name in names
    )

    body = render_sla(uses)

    assert "Rita" in body  # ticket.requester, looked up
    assert "https://portal.example.com/requests/" in body
    assert "2 hours" not in body  # breached: remaining is empty


def test_a_warning_says_how_long_remains() -> None:
    body = render_sla("{{ sla.remaining }}|{{ sla.overdue }}", breached=False)

    assert body == "2 hours|"


def test_the_time_remaining_is_business_time_when_the_clock_gives_it() -> None:
    # Warned on a Friday evening; the breach is one working hour away, on Monday.
    body = render_sla("{{ sla.remaining }}", breached=False, remaining_seconds=3900.0)

    assert body == "1 hour 5 minutes"


@pytest.mark.parametrize(
    "template",
    [
        "{{ ticket.nope }}",
        "{% if %}",
        "{{ ''.__class__.__mro__ }}",
        "{{ ticket.__class__.__init__.__globals__ }}",
        "{{ range.__globals__ }}",
        "{{ 'x' * 10000000 }}",
    ],
)
def test_a_broken_or_escaping_template_fails_with_a_reason(template: str) -> None:
    with pytest.raises(TemplateFailed) as failure:
        render_sla(template)

    assert str(failure.value)


def test_the_desks_own_templates_render() -> None:
    for event in (
        notices.comment_notices(comment(mentions=["bob"])),
        notices.status_notices(status("pending")),
    ):
        people = {p: person(p) for p in ("bob", "rita", "olga")}
        for notice in event.notices:
            target = sorted(notice.audience.users)[0]
            message = compose(event, notice, people[target], people, render, URL)
            assert message.title
            assert message.body


def test_an_assignment_through_a_team_names_the_team() -> None:
    event = notices.assignment_notices(assignees(primary=team("t-1")))
    nils = Recipient("nils", "Nils", "n@x.test", frozenset({"t-1"}), {"t-1": "Night"})

    message = compose(event, event.notices[0], nils, {"nils": nils}, render, URL)

    assert message.title == "Assigned to you (team Night)"
    assert "assigned to your team Night as primary assignee" in message.body


def test_assignment_and_status_notices_name_the_ticket_by_its_subject() -> None:
    olga, rita = person("olga"), person("rita")
    people = {"olga": olga, "rita": rita}
    assigned = notices.assignment_notices(assignees(primary=user("olga")))
    pending = notices.status_notices(status("pending"))
    untitled = notices.status_notices(status("pending", subject=""))

    to_olga = compose(assigned, assigned.notices[0], olga, people, render, URL)
    to_rita = compose(pending, pending.notices[0], rita, people, render, URL)
    bare = compose(untitled, untitled.notices[0], rita, people, render, URL)

    assert "SR-2026-0042 (Printer jammed) was assigned to you" in to_olga.body
    assert "SR-2026-0042 (Printer jammed) is now waiting for you" in to_rita.body
    assert "SR-2026-0042 is now waiting for you" in bare.body


def mention_for_bob(internal: bool) -> str:
    event = notices.comment_notices(
        comment(internal=internal, mentions=["bob"], body="The alarm code is 4711")
    )
    [mention] = [n for n in event.notices if "bob" in n.audience.users]
    people = {p: person(p) for p in ("bob", "olga", "rita")}
    return compose(event, mention, people["bob"], people, render, URL).body


def test_a_mention_in_an_internal_note_points_to_the_ticket_without_its_text() -> None:
    body = mention_for_bob(internal=True)

    assert "4711" not in body
    assert "Olga mentioned you in an internal note on SR-2026-0042" in body
    assert "https://portal.example.com/requests/" in body


def test_a_mention_in_a_public_reply_carries_its_text() -> None:
    body = mention_for_bob(internal=False)

    assert "Olga mentioned you on SR-2026-0042:\n\nThe alarm code is 4711" in body
