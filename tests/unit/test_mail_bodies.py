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
