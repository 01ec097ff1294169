"""A ticket's conversation through the gateway: notes, mentions and files."""

import io
from collections.abc import Iterator
from typing import Any

import httpx
from PIL import Image

from tests.e2e.conftest import BLOBS, Api, Desk

MB = 1024 * 1024
STAFF = (
    "support:request:update:all",
    "support:internal",
    "support:comment:create",
    "support:comment:delete:own",
    "support:attachment:upload",
    "support:attachment:delete",
)
REQUESTER = ("support:comment:create", "support:attachment:upload")


def _people(desk: Desk, tenant: str) -> tuple[Api, Api]:
    portal = Api(desk.gateway, desk.token(tenant, "portal", "portal:directory:write"))
    entries = [
        {"id": u, "name": n} for u, n in (("olivia", "Olivia"), ("rita", "Rita"))
    ]
    answer = portal.put("/v1/admin/directory/users", json={"entries": entries})
    assert answer.status_code == 200, answer.text
    olivia = Api(desk.gateway, desk.token(tenant, "olivia", *STAFF))
    rita = Api(desk.gateway, desk.token(tenant, "rita", *REQUESTER, kind="requester"))
    return olivia, rita


def _ticket(olivia: Api) -> dict[str, Any]:
    answer = olivia.post(
        "/v1/tickets",
        json={"subject": "Leak", "description": "Ceiling", "requester_id": "rita"},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_notes_and_replies_reach_only_those_meant_to_read_them(
    desk: Desk, tenant: str
) -> None:
    olivia, rita = _people(desk, tenant)
    ticket = _ticket(olivia)
    path = f"/v1/tickets/{ticket['id']}/comments"

    note = olivia.post(
        path, json={"body": "@Rita's landlord owes us", "internal": True}
    )
    reply = olivia.post(path, json={"body": 'On our way, @"Rita"'})
    refused = rita.post(path, json={"body": "sneaky", "internal": True})

    assert note.status_code == 201, note.text
    assert reply.json()["mentions"] == ["rita"]
    assert refused.status_code == 403
    seen_by_rita = rita.get(path).json()
    assert [c["id"] for c in seen_by_rita["items"]] == [reply.json()["id"]]
    assert seen_by_rita["total"] == 1
    assert olivia.get(path).json()["total"] == 2
    audit = rita.get(f"/v1/tickets/{ticket['id']}/audit").text
    assert "landlord" not in audit


def test_files_stream_up_and_down_through_the_gateway(desk: Desk, tenant: str) -> None:
    olivia, rita = _people(desk, tenant)
    ticket = _ticket(olivia)
    photo = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 90, 200)).save(photo, "JPEG")

    answer = rita.post(
        f"/v1/tickets/{ticket['id']}/attachments",
        files={"file": ("../../ceiling é.jpg", photo.getvalue(), "text/html")},
    )
    assert answer.status_code == 201, answer.text
    [attachment] = answer.json()
    content = olivia.get(attachment["content_url"])
    thumbnail = olivia.get(attachment["thumbnail_url"])

    assert attachment["filename"] == "ceiling é.jpg"
    assert attachment["content_type"] == "image/jpeg"
    assert content.content == photo.getvalue()
    assert content.headers["content-type"] == "image/jpeg"
    assert content.headers["content-length"] == str(len(photo.getvalue()))
    assert content.headers["x-content-type-options"] == "nosniff"
    assert content.headers["etag"] == f'"{attachment["sha256"]}"'
    assert (
        "filename*=UTF-8''ceiling%20%C3%A9.jpg"
        in (content.headers["content-disposition"])
    )
    assert thumbnail.headers["content-type"] == "image/webp"
    deleted = olivia.delete(
        f"/v1/tickets/{ticket['id']}/attachments/{attachment['id']}"
    )
    assert deleted.status_code == 204
    assert olivia.get(attachment["content_url"]).status_code == 404


def test_files_and_the_audit_log_page_through_the_gateway(
    desk: Desk, tenant: str
) -> None:
    olivia, _ = _people(desk, tenant)
    ticket = _ticket(olivia)
    path = f"/v1/tickets/{ticket['id']}"
    for n in range(3):
        olivia.post(f"{path}/attachments", files={"file": (f"{n}.txt", b"x")})

    first = olivia.get(f"{path}/attachments", params={"limit": 2}).json()
    rest = olivia.get(
        f"{path}/attachments", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    audit = olivia.get(f"{path}/audit", params={"limit": 1}).json()

    names = [a["filename"] for a in first["items"] + rest["items"]]
    assert names == ["0.txt", "1.txt", "2.txt"]
    assert (first["total"], rest["next_cursor"]) == (3, None)
    assert audit["total"] == 4
    assert len(audit["items"]) == 1


def test_a_reply_is_posted_with_its_file_in_one_request(
    desk: Desk, tenant: str
) -> None:
    olivia, rita = _people(desk, tenant)
    ticket = _ticket(olivia)
    path = f"/v1/tickets/{ticket['id']}/comments"

    posted = rita.post(
        path,
        data={"body": "Photo of the ceiling"},
        files={"file": ("ceiling.txt", b"wet patch, 30 cm", "text/plain")},
    )
    empty = olivia.post(path, json={"body": "   "})

    assert posted.status_code == 201, posted.text
    [attachment] = posted.json()["attachments"]
    assert attachment["filename"] == "ceiling.txt"
    assert olivia.get(attachment["content_url"]).content == b"wet patch, 30 cm"
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "body"


def _thirty_megabytes() -> Iterator[bytes]:
    yield b"--cut\r\n"
    yield b'Content-Disposition: form-data; name="file"; filename="big"\r\n\r\n'
    block = b"\x01" * MB
    for _ in range(30):
        yield block
    yield b"\r\n--cut--\r\n"


def test_a_file_over_the_limit_is_refused_with_413(desk: Desk, tenant: str) -> None:
    olivia, _ = _people(desk, tenant)
    ticket = _ticket(olivia)
    before = sorted(p for p in BLOBS.rglob("*") if p.is_file())

    answer = httpx.post(
        f"{desk.gateway}/v1/tickets/{ticket['id']}/attachments",
        content=_thirty_megabytes(),
        headers={
            **olivia.headers,
            "content-type": "multipart/form-data; boundary=cut",
        },
        timeout=60,
    )

    assert answer.status_code == 413, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert sorted(p for p in BLOBS.rglob("*") if p.is_file()) == before


def test_uploading_without_the_permission_is_refused_at_the_gateway(
    desk: Desk, tenant: str
) -> None:
    olivia, _ = _people(desk, tenant)
    ticket = _ticket(olivia)
    reader = Api(
        desk.gateway, desk.token(tenant, "olivia", "support:request:update:all")
    )

    answer = reader.post(
        f"/v1/tickets/{ticket['id']}/attachments", files={"file": ("a.txt", b"a")}
    )

    assert answer.status_code == 403
    assert answer.json()["permission"] == "support:attachment:upload"
