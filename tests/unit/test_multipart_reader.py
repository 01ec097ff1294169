"""The streamed multipart reader: parts in order, bytes in chunks, bad forms refused."""

from collections.abc import AsyncIterator

import pytest
from desk_tickets.entrypoints.http_comments import content_disposition
from desk_tickets.entrypoints.multipart import InvalidForm, MultipartReader

FORM = (
    b"--XX\r\n"
    b'Content-Disposition: form-data; name="comment_id"\r\n\r\n'
    b"1234\r\n"
    b"--XX\r\n"
    b'Content-Disposition: form-data; name="file"; filename="a %22b%22.txt"\r\n'
    b"Content-Type: text/plain\r\n\r\n" + b"x" * 70_000 + b"\r\n"
    b"--XX\r\n"
    b'Content-Disposition: form-data; name="file"; filename="c.bin"\r\n\r\n'
    b"\x00\x01\r\n"
    b"--XX--\r\n"
)


async def _sliced(body: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.mark.parametrize("size", [1, 13, 4096, 1_000_000])
async def test_parts_arrive_in_order_however_the_body_is_cut(size: int) -> None:
    reader = MultipartReader("multipart/form-data; boundary=XX", _sliced(FORM, size))
    seen: list[tuple[str, object]] = []

    async for part in reader.parts():
        if part.filename is None:
            seen.append((part.name, await part.text()))
        else:
            data = b"".join([c async for c in part.chunks()])
            seen.append((part.filename, len(data)))

    assert seen == [("comment_id", "1234"), ('a "b".txt', 70_000), ("c.bin", 2)]


async def test_an_unread_part_is_skipped() -> None:
    reader = MultipartReader("multipart/form-data; boundary=XX", _sliced(FORM, 100))

    names = [part.name async for part in reader.parts()]

    assert names == ["comment_id", "file", "file"]


async def test_a_body_cut_short_is_refused() -> None:
    reader = MultipartReader(
        "multipart/form-data; boundary=XX", _sliced(FORM[:300], 50)
    )

    async def read_all() -> None:
        async for part in reader.parts():
            async for _ in part.chunks():
                pass

    with pytest.raises(InvalidForm):
        await read_all()


def test_other_content_types_are_refused() -> None:
    with pytest.raises(InvalidForm):
        MultipartReader("application/json", _sliced(b"{}", 10))


def test_downloads_name_the_file_for_old_and_new_clients() -> None:
    assert content_disposition('Résumé "final".pdf') == (
        'attachment; filename="Resume _final_.pdf"; '
        "filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.pdf"
    )
    assert content_disposition("写真.jpg") == (
        "attachment; filename=\".jpg\"; filename*=UTF-8''%E5%86%99%E7%9C%9F.jpg"
    )
