"""Attachments: streamed uploads, safe names, sniffed types, thumbnails, visibility."""

import io
import struct
import tracemalloc
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from desk_tickets.config import TicketsSettings
from desk_tickets.entrypoints.main import create_app
from PIL import Image

from tests.service.tickets.conftest import Caller, new_tenant
from tests.service.tickets.conversation import (
    REQUESTER,
    conversation_events,
    outsider,
    requester,
    staff,
)

MB = 1024 * 1024


@pytest.fixture(scope="module")
def blob_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("blobs")


@pytest.fixture(scope="module")
async def files_service(
    tickets_settings: TicketsSettings, blob_root: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """The tickets service keeping its files under a directory of this module."""
    settings = tickets_settings.model_copy(update={"blob_url": f"file://{blob_root}"})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            yield c


@pytest.fixture
async def desk(files_service: httpx.AsyncClient) -> Caller:
    return await new_tenant(files_service, ("bob", "rita"))


def _stored(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def png(width: int = 640, height: int = 480) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


def bomb_png(width: int, height: int) -> bytes:
    """A PNG of a few hundred bytes declaring a canvas of width x height."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\0" * (width + 1) * 4, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", rows)
        + chunk(b"IEND", b"")
    )


async def upload(
    who: Caller,
    ticket: dict[str, Any],
    name: str,
    content: bytes,
    declared: str = "application/octet-stream",
    **data: str,
) -> httpx.Response:
    return await who.request(
        "POST",
        f"/v1/tickets/{ticket['id']}/attachments",
        files={"file": (name, content, declared)},
        data=data,
    )


async def uploaded(
    who: Caller, ticket: dict[str, Any], name: str, content: bytes, **data: str
) -> dict[str, Any]:
    answer = await upload(who, ticket, name, content, **data)
    assert answer.status_code == 201, answer.text
    [attachment] = answer.json()
    return attachment  # type: ignore[no-any-return]


async def _rita_ticket(desk: Caller) -> dict[str, Any]:
    return await staff(desk).ticket(requester_id="rita")


async def test_a_file_is_stored_under_a_safe_name_and_downloaded_whole(
    desk: Caller, blob_root: Path
) -> None:
    ticket = await _rita_ticket(desk)
    content = b"root:x:0:0:root:/root:/bin/bash\n" * 100

    attachment = await uploaded(staff(desk), ticket, "../../etc/passwd", content)
    answer = await staff(desk).get(attachment["content_url"])

    assert attachment["filename"] == "passwd"
    assert attachment["content_type"] == "text/plain"
    assert attachment["size"] == len(content)
    assert answer.status_code == 200
    assert answer.content == content
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert answer.headers["content-length"] == str(len(content))
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["etag"] == f'"{attachment["sha256"]}"'
    assert answer.headers["content-disposition"] == (
        "attachment; filename=\"passwd\"; filename*=UTF-8''passwd"
    )
    assert not (blob_root.parent / "etc").exists()


async def test_unicode_names_are_kept_and_encoded_for_download(desk: Caller) -> None:
    ticket = await _rita_ticket(desk)

    attachment = await uploaded(staff(desk), ticket, 'Résumé\u202e "été".txt', b"hi")
    answer = await staff(desk).get(attachment["content_url"])

    assert attachment["filename"] == "Résumé _été_.txt"
    assert answer.headers["content-disposition"] == (
        'attachment; filename="Resume _ete_.txt"; '
        "filename*=UTF-8''R%C3%A9sum%C3%A9%20_%C3%A9t%C3%A9_.txt"
    )


async def test_the_type_comes_from_the_bytes_not_the_client(desk: Caller) -> None:
    ticket = await _rita_ticket(desk)

    answer = await upload(staff(desk), ticket, "page.html", png(), "text/html")
    [attachment] = answer.json()
    download = await staff(desk).get(attachment["content_url"])

    assert attachment["content_type"] == "image/png"
    assert download.headers["content-type"] == "image/png"


async def test_an_image_gets_a_thumbnail(desk: Caller) -> None:
    ticket = await _rita_ticket(desk)

    attachment = await uploaded(staff(desk), ticket, "boiler.png", png(1600, 900))
    answer = await staff(desk).get(attachment["thumbnail_url"])

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/webp"
    with Image.open(io.BytesIO(answer.content)) as thumbnail:
        assert thumbnail.size == (256, 144)


async def test_a_decompression_bomb_is_stored_without_a_thumbnail(
    desk: Caller,
) -> None:
    ticket = await _rita_ticket(desk)
    bomb = bomb_png(30_000, 30_000)

    attachment = await uploaded(staff(desk), ticket, "huge.png", bomb)
    thumbnail = await staff(desk).get(
        f"/v1/tickets/{ticket['id']}/attachments/{attachment['id']}/thumbnail"
    )

    assert len(bomb) < 10_000
    assert attachment["content_type"] == "image/png"
    assert attachment["thumbnail_url"] is None
    assert thumbnail.status_code == 404


async def _thirty_megabytes() -> AsyncIterator[bytes]:
    boundary = b"--cut\r\n"
    yield boundary + b'Content-Disposition: form-data; name="file"; filename="big.bin"'
    yield b"\r\nContent-Type: application/octet-stream\r\n\r\n"
    block = b"\x07" * MB
    for _ in range(30):
        yield block
    yield b"\r\n--cut--\r\n"


async def test_a_file_over_the_limit_is_refused_and_nothing_is_kept(
    desk: Caller, blob_root: Path
) -> None:
    ticket = await _rita_ticket(desk)
    before = _stored(blob_root)

    tracemalloc.start()
    try:
        answer = await staff(desk).request(
            "POST",
            f"/v1/tickets/{ticket['id']}/attachments",
            content=_thirty_megabytes(),
            headers={"content-type": "multipart/form-data; boundary=cut"},
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["max_bytes"] == 25 * MB
    assert _stored(blob_root) == before
    assert peak < 8 * MB, f"{peak} bytes held while refusing 30 MB"
    listed = await staff(desk).get(f"/v1/tickets/{ticket['id']}/attachments")
    assert listed.json()["items"] == []


async def test_files_of_internal_notes_are_internal(desk: Caller) -> None:
    ticket = await _rita_ticket(desk)
    note = await staff(desk).post(
        f"/v1/tickets/{ticket['id']}/comments", {"body": "quote", "internal": True}
    )
    public = await uploaded(staff(desk), ticket, "public.txt", b"for everyone")

    secret = await uploaded(
        staff(desk), ticket, "quote.txt", b"cost: 900", comment_id=note.json()["id"]
    )

    assert secret["internal"] is True
    assert secret["comment_id"] == note.json()["id"]
    for who in (requester(desk), requester(desk, ["support:internal"]), outsider(desk)):
        listed = await who.get(f"/v1/tickets/{ticket['id']}/attachments")
        assert [a["id"] for a in listed.json()["items"]] == [public["id"]]
        assert listed.json()["total"] == 1
        for path in ("", "/content"):
            url = f"/v1/tickets/{ticket['id']}/attachments/{secret['id']}{path}"
            assert (await who.get(url)).status_code == 404
        audit = (await who.get(f"/v1/tickets/{ticket['id']}/audit")).json()["items"]
        assert "quote.txt" not in str(audit)
        assert "public.txt" in str(audit)
    staff_audit = await staff(desk).get(f"/v1/tickets/{ticket['id']}/audit")
    assert "quote.txt" in staff_audit.text


async def test_the_file_list_pages_with_a_cursor(desk: Caller) -> None:
    ticket = await _rita_ticket(desk)
    names = [f"page-{n}.txt" for n in range(5)]
    for name in names:
        await uploaded(staff(desk), ticket, name, name.encode())
    path = f"/v1/tickets/{ticket['id']}/attachments"

    first = (await staff(desk).get(path, limit=2)).json()
    second = (await staff(desk).get(path, limit=2, cursor=first["next_cursor"])).json()
    last = (await staff(desk).get(path, limit=2, cursor=second["next_cursor"])).json()
    bad = await staff(desk).get(path, cursor="not-a-cursor")

    pages = [first, second, last]
    assert [a["filename"] for p in pages for a in p["items"]] == names
    assert [p["total"] for p in pages] == [5, 5, 5]
    assert last["next_cursor"] is None
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "cursor"


async def test_only_a_comments_author_attaches_files_to_it(desk: Caller) -> None:
    ticket = await _rita_ticket(desk)
    reply = await staff(desk).post(
        f"/v1/tickets/{ticket['id']}/comments", {"body": "see attached"}
    )

    answer = await upload(
        staff(desk, "bob"), ticket, "x.txt", b"x", comment_id=reply.json()["id"]
    )

    assert answer.status_code == 403


async def test_uploading_needs_support_attachment_upload(
    desk: Caller, blob_root: Path
) -> None:
    ticket = await _rita_ticket(desk)
    before = _stored(blob_root)
    operator = desk.as_user("bob", permissions=["support:request:update:all"])
    plain_requester = desk.as_user("rita", kind="requester", permissions=[])

    for who in (operator, plain_requester):
        answer = await upload(who, ticket, "x.txt", b"x")
        assert answer.status_code == 403, answer.text
        assert answer.json()["permission"] == "support:attachment:upload"

    assert _stored(blob_root) == before


async def test_deleting_needs_support_attachment_delete(
    desk: Caller, blob_root: Path
) -> None:
    ticket = await _rita_ticket(desk)
    attachment = await uploaded(staff(desk), ticket, "boiler.png", png())
    path = f"/v1/tickets/{ticket['id']}/attachments/{attachment['id']}"
    keeper = desk.as_user("bob", permissions=["support:request:update:all"])

    refused = await keeper.request("DELETE", path)
    not_theirs = await requester(desk).request("DELETE", path)
    async with conversation_events(desk.tenant) as events:
        done = await staff(desk).request("DELETE", path)
        [event] = await events.take(1)

    assert refused.status_code == 403
    assert refused.json()["permission"] == "support:attachment:delete"
    assert not_theirs.status_code == 403
    assert done.status_code == 204
    assert (await staff(desk).get(f"{path}/content")).status_code == 404
    assert not any(attachment["id"] in str(p) for p in _stored(blob_root))
    assert event["type"] == "com.supportdesk.ticket.attachment_deleted.v1"
    assert event["data"]["attachment_id"] == attachment["id"]


async def test_uploads_are_announced_and_audited(desk: Caller) -> None:
    ticket = await _rita_ticket(desk)

    async with conversation_events(desk.tenant) as events:
        attachment = await uploaded(requester(desk), ticket, "leak.jpg", png())
        [event] = await events.take(1)
    audit = (await staff(desk).get(f"/v1/tickets/{ticket['id']}/audit")).json()

    assert event["type"] == "com.supportdesk.ticket.attachment_added.v1"
    assert event["data"]["attachment"] == {
        "id": attachment["id"],
        "filename": "leak.jpg",
        "content_type": "image/png",
        "size": attachment["size"],
    }
    assert event["data"]["internal"] is False
    [entry] = [e for e in audit["items"] if e["action"] == "attachment_added"]
    assert entry["actor"] == {"id": "rita", "kind": "requester"}
    assert entry["changes"]["attachment"]["before"] is None
    assert entry["changes"]["attachment"]["after"]["filename"] == "leak.jpg"


async def test_a_form_without_a_file_names_the_field(desk: Caller) -> None:
    ticket = await _rita_ticket(desk)

    answer = await staff(desk).request(
        "POST",
        f"/v1/tickets/{ticket['id']}/attachments",
        data={"note": "x"},
        files={"other": ("", b"", "text/plain")},
    )

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "file"


async def test_a_comment_is_posted_with_its_files_at_once(desk: Caller) -> None:
    ticket = await _rita_ticket(desk)

    async with conversation_events(desk.tenant) as events:
        answer = await staff(desk).request(
            "POST",
            f"/v1/tickets/{ticket['id']}/comments",
            data={"body": "the quote @bob", "internal": "true"},
            files=[
                ("file", ("quote.txt", b"cost: 900", "text/plain")),
                ("file", ("plan.png", png(), "image/png")),
            ],
        )
        [added] = [e for e in await events.take(3) if "comment_added" in e["type"]]

    assert answer.status_code == 201, answer.text
    comment = answer.json()
    assert comment["internal"] is True
    assert comment["mentions"] == ["bob"]
    assert [a["filename"] for a in comment["attachments"]] == ["quote.txt", "plan.png"]
    assert all(a["internal"] for a in comment["attachments"])
    assert comment["attachments"][1]["thumbnail_url"] is not None
    assert [a["filename"] for a in added["data"]["attachments"]] == [
        "quote.txt",
        "plan.png",
    ]


async def test_a_comment_form_is_checked_and_keeps_no_file_it_refuses(
    desk: Caller, blob_root: Path
) -> None:
    ticket = await _rita_ticket(desk)
    before = _stored(blob_root)
    path = f"/v1/tickets/{ticket['id']}/comments"
    no_upload = desk.as_user(
        "bob", permissions=["support:request:update:all", "support:comment:create"]
    )
    file = [("file", ("x.txt", b"x", "text/plain"))]

    empty = await staff(desk).request("POST", path, data={"body": " "}, files=file)
    missing = await staff(desk).request("POST", path, data={}, files=file)
    refused = await no_upload.request("POST", path, data={"body": "hi"}, files=file)
    plain = await no_upload.request("POST", path, data={"body": "no files"})

    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "body"
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "body"
    assert refused.status_code == 403
    assert refused.json()["permission"] == "support:attachment:upload"
    assert plain.status_code == 201, plain.text
    assert _stored(blob_root) == before


async def _form(*parts: str | int) -> AsyncIterator[bytes]:
    """A form streamed with boundary ``cut``: ``"name=value"`` is a field, a number
    that many megabytes of a file."""
    for part in parts:
        if isinstance(part, int):
            yield b'--cut\r\nContent-Disposition: form-data; name="file"; '
            yield b'filename="big.bin"\r\nContent-Type: text/plain\r\n\r\n'
            for _ in range(part):
                yield b"\x07" * MB
        else:
            name, value = part.split("=", 1)
            yield b"--cut\r\nContent-Disposition: form-data; "
            yield f'name="{name}"\r\n\r\n{value}'.encode()
        yield b"\r\n"
    yield b"--cut--\r\n"


async def _post_form(who: Caller, ticket: dict[str, Any], *parts: str | int) -> Any:
    return await who.request(
        "POST",
        f"/v1/tickets/{ticket['id']}/comments",
        content=_form(*parts),
        headers={"content-type": "multipart/form-data; boundary=cut"},
    )


async def test_a_comment_is_refused_before_any_of_its_files_is_read(
    desk: Caller, blob_root: Path
) -> None:
    ticket = await _rita_ticket(desk)
    before = _stored(blob_root)
    silent = desk.as_user(
        "bob", permissions=["support:request:update:all", "support:attachment:upload"]
    )
    stranger = desk.as_user("eve", kind="requester", permissions=REQUESTER)

    note = await _post_form(outsider(desk), ticket, "internal=true", "body=x", 30)
    uncommented = await _post_form(silent, ticket, "body=x", 30)
    unseen = await _post_form(stranger, ticket, "body=x", 30)

    assert note.status_code == 403, note.text
    assert note.json()["permission"] == "support:internal"
    assert uncommented.status_code == 403, uncommented.text
    assert uncommented.json()["permission"] == "support:comment:create"
    assert unseen.status_code == 404, unseen.text
    assert _stored(blob_root) == before


async def test_internal_after_the_files_is_judged_and_keeps_no_file_refused(
    desk: Caller, blob_root: Path
) -> None:
    ticket = await _rita_ticket(desk)
    before = _stored(blob_root)

    refused = await _post_form(outsider(desk), ticket, "body=x", 1, "internal=yes")
    kept = _stored(blob_root)
    posted = await _post_form(staff(desk), ticket, "body=x", 1, "internal=yes")

    assert refused.status_code == 403, refused.text
    assert refused.json()["permission"] == "support:internal"
    assert kept == before
    assert posted.status_code == 201, posted.text
    assert posted.json()["internal"] is True
    assert [a["internal"] for a in posted.json()["attachments"]] == [True]
