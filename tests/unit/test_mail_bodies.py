"""Bodies in the shapes clients and servers leave them."""

import pytest
from desk_mail_ingest.domain.parsing import parse


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
