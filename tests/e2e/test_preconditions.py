"""The gateway passes If-Match on to the tickets service on every change."""

from typing import Any

import httpx

from tests.e2e.conftest import Api, Desk

STAFF = (
    "support:request:update:all",
    "support:request:delete:all",
    "support:comment:create",
    "support:comment:delete:own",
    "support:attachment:upload",
    "support:attachment:delete",
    "support:settings:groups",
)
STALE = {"if-match": '"999"'}
FILE = {"file": ("note.txt", b"meter reading 4711", "text/plain")}


def _olivia(desk: Desk, tenant: str) -> Api:
    portal = Api(desk.gateway, desk.token(tenant, "portal", "portal:directory:write"))
    entries = [{"id": "olivia", "name": "Olivia"}, {"id": "bob", "name": "Bob"}]
    answer = portal.put("/v1/admin/directory/users", json={"entries": entries})
    assert answer.status_code == 200, answer.text
    return Api(desk.gateway, desk.token(tenant, "olivia", *STAFF))


def _stale_changes(olivia: Api, path: str) -> dict[str, httpx.Response]:
    comment = olivia.post(f"{path}/comments", json={"body": "kept"}).json()
    [upload] = olivia.post(f"{path}/attachments", files=FILE).json()
    user = {"kind": "user", "id": "bob"}
    return {
        "patch": olivia.patch(path, json={"priority": "high"}, headers=STALE),
        "assign": olivia.post(f"{path}/assignees", json=user, headers=STALE),
        "make primary": olivia.put(
            f"{path}/assignees/primary", json=user, headers=STALE
        ),
        "unassign": olivia.delete(f"{path}/assignees/user/olivia", headers=STALE),
        "tag": olivia.post(f"{path}/tags", json={"tag": "x"}, headers=STALE),
        "untag": olivia.delete(f"{path}/tags/roof", headers=STALE),
        "comment": olivia.post(f"{path}/comments", json={"body": "x"}, headers=STALE),
        "comment with a file": olivia.post(
            f"{path}/comments", data={"body": "x"}, files=FILE, headers=STALE
        ),
        "uncomment": olivia.delete(f"{path}/comments/{comment['id']}", headers=STALE),
        "upload": olivia.post(f"{path}/attachments", files=FILE, headers=STALE),
        "remove file": olivia.delete(
            f"{path}/attachments/{upload['id']}", headers=STALE
        ),
        "delete": olivia.delete(path, headers=STALE),
    }


def test_each_change_to_a_ticket_honours_if_match(desk: Desk, tenant: str) -> None:
    olivia = _olivia(desk, tenant)
    ticket: dict[str, Any] = olivia.post(
        "/v1/tickets",
        json={
            "subject": "Meter",
            "description": "Reading",
            "assignee": {"kind": "user", "id": "olivia"},
        },
    ).json()
    path = f"/v1/tickets/{ticket['id']}"
    tagged = olivia.post(f"{path}/tags", json={"tag": "roof"})

    refused = _stale_changes(olivia, path)
    current = olivia.get(path).headers["etag"]
    assigned = olivia.post(
        f"{path}/assignees",
        json={"kind": "user", "id": "bob"},
        headers={"if-match": current},
    )

    assert {k: a.status_code for k, a in refused.items()} == dict.fromkeys(refused, 412)
    assert current == tagged.headers["etag"]
    assert assigned.status_code == 200, assigned.text
    assert assigned.headers["etag"] == f'"{assigned.json()["version"]}"'


def test_each_change_to_a_team_honours_if_match(desk: Desk, tenant: str) -> None:
    olivia = _olivia(desk, tenant)
    team = olivia.post("/v1/teams", json={"name": "Meter readers"})
    path = f"/v1/teams/{team.json()['id']}"

    refused = {
        "rename": olivia.patch(path, json={"name": "Readers"}, headers=STALE),
        "add member": olivia.put(f"{path}/members/bob", headers=STALE),
        "remove member": olivia.delete(f"{path}/members/bob", headers=STALE),
        "delete": olivia.delete(path, headers=STALE),
    }
    renamed = olivia.patch(
        path, json={"name": "Readers"}, headers={"if-match": team.headers["etag"]}
    )

    assert {k: a.status_code for k, a in refused.items()} == dict.fromkeys(refused, 412)
    assert renamed.status_code == 200, renamed.text
    assert renamed.headers["etag"] == '"2"'
