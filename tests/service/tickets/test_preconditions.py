"""If-Match on every change to a ticket or a team: a stale ETag is refused (412)."""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.service.tickets.conftest import Caller
from tests.service.tickets.conversation import staff

Ticket = dict[str, Any]
Change = Callable[[Caller, Ticket, dict[str, str]], Awaitable[httpx.Response]]
FILE = {"file": ("note.txt", b"meter reading 4711", "text/plain")}
STALE = '"999"'


def _path(ticket: Ticket, rest: str = "") -> str:
    return f"/v1/tickets/{ticket['id']}{rest}"


async def _patch(who: Caller, ticket: Ticket, headers: dict[str, str]) -> Any:
    return await who.patch(_path(ticket), {"priority": "high"}, **headers)


async def _assign(who: Caller, ticket: Ticket, headers: dict[str, str]) -> Any:
    body = {"kind": "user", "id": "rita"}
    return await who.request(
        "POST", _path(ticket, "/assignees"), json=body, headers=headers
    )


async def _make_primary(who: Caller, ticket: Ticket, headers: dict[str, str]) -> Any:
    body = {"kind": "user", "id": "alice"}
    return await who.request(
        "PUT", _path(ticket, "/assignees/primary"), json=body, headers=headers
    )


async def _unassign(who: Caller, ticket: Ticket, headers: dict[str, str]) -> Any:
    path = _path(ticket, "/assignees/user/bob")
    return await who.request("DELETE", path, headers=headers)


async def _tag(who: Caller, ticket: Ticket, headers: dict[str, str]) -> Any:
    path = _path(ticket, "/tags")
    return await who.request("POST", path, json={"tag": "leak"}, headers=headers)


async def _untag(who: Caller, ticket: Ticket, headers: dict[str, str]) -> Any:
    return await who.request("DELETE", _path(ticket, "/tags/roof"), headers=headers)


async def _comment(who: Caller, ticket: Ticket, headers: dict[str, str]) -> Any:
    path = _path(ticket, "/comments")
    return await who.request("POST", path, json={"body": "hi"}, headers=headers)


async def _comment_with_file(
    who: Caller, ticket: Ticket, headers: dict[str, str]
) -> Any:
    path = _path(ticket, "/comments")
    return await who.request(
        "POST", path, data={"body": "hi"}, files=FILE, headers=headers
    )


async def _uncomment(who: Caller, ticket: Ticket, headers: dict[str, str]) -> Any:
    posted = await _comment(who, ticket, {})
    path = _path(ticket, f"/comments/{posted.json()['id']}")
    return await who.request("DELETE", path, headers=headers)


async def _upload(who: Caller, ticket: Ticket, headers: dict[str, str]) -> Any:
    path = _path(ticket, "/attachments")
    return await who.request("POST", path, files=FILE, headers=headers)


async def _remove_file(who: Caller, ticket: Ticket, headers: dict[str, str]) -> Any:
    [uploaded] = (await _upload(who, ticket, {})).json()
    path = _path(ticket, f"/attachments/{uploaded['id']}")
    return await who.request("DELETE", path, headers=headers)


async def _delete(who: Caller, ticket: Ticket, headers: dict[str, str]) -> Any:
    return await who.request("DELETE", _path(ticket), headers=headers)


CHANGES: dict[str, Change] = {
    "patch": _patch,
    "add assignee": _assign,
    "make primary": _make_primary,
    "remove assignee": _unassign,
    "add tag": _tag,
    "remove tag": _untag,
    "post comment": _comment,
    "post comment with a file": _comment_with_file,
    "delete comment": _uncomment,
    "upload": _upload,
    "delete file": _remove_file,
    "delete ticket": _delete,
}
ANSWERING_THE_TICKET = {
    "patch",
    "add assignee",
    "make primary",
    "remove assignee",
    "add tag",
    "remove tag",
}


async def _worked_ticket(desk: Caller) -> Ticket:
    ticket = await staff(desk).ticket(assignee={"kind": "user", "id": "bob"})
    tagged = await desk.post(_path(ticket, "/tags"), {"tag": "roof"})
    assert tagged.status_code == 200, tagged.text
    return tagged.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", CHANGES)
async def test_a_stale_etag_is_refused_and_a_listed_current_one_accepted(
    desk: Caller, name: str
) -> None:
    ticket = await _worked_ticket(desk)
    current = (await desk.get(_path(ticket))).headers["etag"]
    change = CHANGES[name]

    stale = await change(staff(desk), ticket, {"if-match": STALE})
    unchanged = await desk.get(_path(ticket))
    done = await change(staff(desk), ticket, {"if-match": f"{STALE}, W/{current}"})

    assert stale.status_code == 412, stale.text
    assert stale.json()["type"].endswith("version-mismatch")
    assert stale.json()["current_version"] == ticket["version"]
    assert unchanged.headers["etag"] == current
    assert done.status_code in (200, 201, 204), done.text
    if name in ANSWERING_THE_TICKET:
        assert done.headers["etag"] == f'"{done.json()["version"]}"'
        assert done.headers["etag"] != current


async def test_a_star_or_no_if_match_accepts_any_version(desk: Caller) -> None:
    ticket = await _worked_ticket(desk)

    starred = await _tag(staff(desk), ticket, {"if-match": "*"})
    bare = await _untag(staff(desk), ticket, {})

    assert starred.status_code == 200, starred.text
    assert bare.status_code == 200, bare.text
    assert bare.json()["tags"] == ["leak"]


async def test_an_if_match_naming_no_version_is_refused(desk: Caller) -> None:
    ticket = await _worked_ticket(desk)

    answer = await _tag(staff(desk), ticket, {"if-match": "roof"})

    assert answer.status_code == 412
    assert (await desk.get(_path(ticket))).json()["tags"] == ["roof"]


async def test_a_team_carries_an_etag_and_changes_honour_if_match(
    desk: Caller,
) -> None:
    admin = desk.as_user("alice", permissions=["support:settings:groups"])
    created = await admin.post("/v1/teams", {"name": "Glaziers"})
    path = f"/v1/teams/{created.json()['id']}"
    stale = {"if-match": STALE}

    read = await admin.get(path)
    refused = {
        "rename": await admin.patch(path, {"name": "Panes"}, **stale),
        "add member": await admin.request("PUT", f"{path}/members/bob", headers=stale),
        "remove member": await admin.request(
            "DELETE", f"{path}/members/bob", headers=stale
        ),
        "delete": await admin.request("DELETE", path, headers=stale),
    }
    renamed = await admin.patch(
        path, {"name": "Panes"}, **{"if-match": read.headers["etag"]}
    )
    deleted = await admin.request(
        "DELETE", path, headers={"if-match": renamed.headers["etag"]}
    )

    assert created.headers["etag"] == '"1"'
    assert read.headers["etag"] == '"1"'
    assert {k: a.status_code for k, a in refused.items()} == dict.fromkeys(refused, 412)
    assert "team" in refused["rename"].json()["detail"]
    assert renamed.status_code == 200, renamed.text
    assert renamed.headers["etag"] == f'"{renamed.json()["version"]}"' == '"2"'
    assert deleted.status_code == 204, deleted.text
