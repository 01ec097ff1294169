"""File names made safe, and media types read from the bytes."""

import io
import unicodedata
import zipfile

import pytest
from desk_tickets.domain.files import sanitise_filename, sniff_content_type
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image


@pytest.mark.parametrize(
    ("given_name", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
        ("C:\\Users\\me\\report.pdf", "report.pdf"),
        ("/absolute/path/notes.txt", "notes.txt"),
        ("..", "attachment"),
        ("", "attachment"),
        (None, "attachment"),
        ("   ", "attachment"),
        (".bashrc", "bashrc"),
        ("name.", "name"),
        ("line\nbreak\r\x00nul\x7f.txt", "linebreaknul.txt"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ('what?<is>:"this"|*.txt', "what__is___this___.txt"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("Résumé été.pdf", "Résumé été.pdf"),
        ("写真 2024.jpeg", "写真 2024.jpeg"),
        ("e\u0301te\u0301.txt", "été.txt"),
    ],
)
def test_names_are_made_safe(given_name: str | None, kept: str) -> None:
    assert sanitise_filename(given_name) == kept


def test_long_names_are_cut_to_255_bytes_keeping_the_extension() -> None:
    name = sanitise_filename("日本語" * 100 + ".png")

    assert len(name.encode()) <= 255
    assert name.endswith(".png")
    assert name.startswith("日本語")


@given(st.text(max_size=600))
def test_no_name_escapes_or_hides(raw: str) -> None:
    name = sanitise_filename(raw)

    assert name
    assert len(name.encode()) <= 255
    assert "/" not in name
    assert "\\" not in name
    assert not name.startswith(".")
    assert name != ".."
    assert all(unicodedata.category(c) not in ("Cc", "Cf") for c in name)


def _image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, kind)
    return out.getvalue()


@pytest.mark.parametrize(
    ("kind", "media_type"),
    [
        ("PNG", "image/png"),
        ("JPEG", "image/jpeg"),
        ("GIF", "image/gif"),
        ("WEBP", "image/webp"),
    ],
)
def test_images_are_known_by_their_bytes_whatever_their_name(
    kind: str, media_type: str
) -> None:
    assert sniff_content_type(_image(kind), "innocent.txt") == media_type


def test_documents_and_text_are_known_by_their_bytes() -> None:
    assert sniff_content_type(b"%PDF-1.7\n%...", "a.txt") == "application/pdf"
    assert sniff_content_type("Grüße\n".encode(), "a.exe") == "text/plain"
    assert sniff_content_type(b"\x00\x01\x02\x03binary", "a.txt") == (
        "application/octet-stream"
    )


def test_a_zip_is_a_zip_unless_its_name_picks_a_zip_based_format() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.txt", "hello")

    assert sniff_content_type(out.getvalue(), "a.zip") == "application/zip"
    assert sniff_content_type(out.getvalue(), "a.html") == "application/zip"
    assert sniff_content_type(out.getvalue(), "sheet.xlsx") == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_text_cut_inside_a_character_is_still_text() -> None:
    head = ("é" * 5000).encode()[:8191]

    assert sniff_content_type(head) == "text/plain"
