"""Bodies in the shapes clients and servers leave them."""

import base64
import struct

import pytest
from desk_mail_ingest.domain.parsing import parse

from tests.fixtures.mail.make_corpus import tnef_object


def mail(headers: str, body: bytes) -> bytes:
    head = f"From: jane@customer.example\r\nSubject: Body\r\n{headers}\r\n"
    return head.encode() + b"\r\n" + body


@pytest.mark.parametrize(
    "meta",
    [
        '<meta charset="windows-1251">',
        "<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=windows-1251'>",
    ],
)
def test_an_html_part_without_a_mime_charset_is_read_in_its_meta_charset(
    meta: str,
) -> None:
    html = f"<html><head>{meta}</head><body><p>Принтер сломан</p></body></html>"
    raw = mail("Content-Type: text/html", html.encode("cp1251"))

    assert parse(raw).text == "Принтер сломан"


def test_the_mime_charset_wins_over_the_meta_one() -> None:
    html = '<html><head><meta charset="koi8-r"></head><body>Café</body></html>'
    raw = mail("Content-Type: text/html; charset=utf-8", html.encode())

    assert parse(raw).text == "Café"


FORWARDED = (
    b"--b\r\nContent-Type: message/rfc822\r\n\r\n"
    b"From: boss@customer.example\r\nSubject: Printer\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nThe printer is jammed.\r\n"
    b"--b--\r\n"
)


def test_a_message_that_only_attaches_another_takes_its_text() -> None:
    mail_ = parse(mail('Content-Type: multipart/mixed; boundary="b"', FORWARDED))

    assert mail_.text == "The printer is jammed."
    assert [p.filename for p in mail_.parts] == ["Printer.eml"]


def test_a_named_inline_html_part_is_the_text_when_there_is_no_other() -> None:
    body = (
        b"--b\r\nContent-Type: text/html; charset=utf-8\r\n"
        b'Content-Disposition: inline; filename="message.html"\r\n\r\n'
        b"<p>Heating is <b>off</b>.</p>\r\n" + FORWARDED
    )

    mail_ = parse(mail('Content-Type: multipart/mixed; boundary="b"', body))

    assert mail_.text == "Heating is off."
    assert [p.filename for p in mail_.parts] == ["message.html", "Printer.eml"]


def test_an_attached_message_does_not_replace_the_messages_own_text() -> None:
    body = b"--b\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n" + FORWARDED

    mail_ = parse(mail('Content-Type: multipart/mixed; boundary="b"', body))

    assert mail_.text == "See below."


TEXT = "The printer on floor 2 is jammed again, and the spare one is gone."


def base64_mail(encoded: str) -> bytes:
    headers = "Content-Type: text/plain; charset=utf-8\r\n"
    return mail(headers + "Content-Transfer-Encoding: base64", encoded.encode())


@pytest.mark.parametrize(
    "tail",
    [
        "\r\n-- \r\nJoin our list!\r\n",  # a footer a list server appended
        "\r\nJoin our list!\r\n",  # one without a separator line
        "\r\n--boundary\r\n",  # the next part, its boundary line lost
        "\x00\x00 garbage",
    ],
)
def test_a_base64_body_with_bad_characters_gives_its_valid_start(tail: str) -> None:
    encoded = base64.encodebytes(TEXT.encode()).decode()

    assert parse(base64_mail(encoded + tail)).text == TEXT


def test_a_base64_body_cut_short_gives_the_bytes_it_holds() -> None:
    encoded = base64.b64encode(TEXT.encode()).decode()[:41]  # 10 groups and 1

    assert parse(base64_mail(encoded)).text == TEXT[:30]


def test_an_unpadded_base64_body_is_decoded_whole() -> None:
    encoded = base64.b64encode(TEXT.encode()).decode().rstrip("=")

    assert parse(base64_mail(encoded)).text == TEXT


def flowed_mail(text: str, params: str = "") -> bytes:
    content_type = f"Content-Type: text/plain; charset=utf-8; format=flowed{params}"
    return mail(content_type, text.encode())


def test_flowed_lines_join_into_their_paragraph() -> None:
    text = "The printer on floor 2 \r\nis jammed \r\nagain.\r\n\r\nJane\r\n"

    assert parse(flowed_mail(text)).text == (
        "The printer on floor 2 is jammed again.\n\nJane"
    )


def test_delsp_yes_drops_the_space_a_client_added_to_wrap() -> None:
    text = "Ein Donaudampfschiff \r\nfahrts \r\ngesellschaft.\r\n"

    assert parse(flowed_mail(text, "; delsp=yes")).text == (
        "Ein Donaudampfschifffahrtsgesellschaft."
    )


def test_quotes_flow_within_their_depth_and_stuffing_is_removed() -> None:
    text = (
        "Still jammed. \r\n From my side.\r\n"
        "> Did you reset \r\n> it?\r\n>> Hello \r\n> Regards\r\n-- \r\nJane\r\n"
    )

    assert parse(flowed_mail(text)).text == (
        "Still jammed. From my side.\n"
        "> Did you reset it?\n>> Hello\n> Regards\n-- \nJane"
    )


def test_files_unpacked_from_winmail_dat_are_typed_by_their_names() -> None:
    files = b"".join(
        tnef_object(2, 0x9002, 0x0006, b"\x00" * 14)
        + tnef_object(2, 0x8010, 0x0001, name + b"\x00")
        + tnef_object(2, 0x800F, 0x0006, b"data")
        for name in (b"plan.pdf", b"photo.JPG", b"notes.desk-unknown")
    )
    winmail = struct.pack("<IH", 0x223E9F78, 1) + files
    body = (
        b'--b\r\nContent-Type: application/ms-tnef; name="winmail.dat"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(winmail)
        + b"--b--\r\n"
    )

    parts = parse(mail('Content-Type: multipart/mixed; boundary="b"', body)).parts

    assert [(p.filename, p.content_type) for p in parts] == [
        ("plan.pdf", "application/pdf"),
        ("photo.JPG", "image/jpeg"),
        ("notes.desk-unknown", "application/octet-stream"),
    ]
