"""Broken MIME as real mail carries it: stray header lines, lost boundaries."""

from desk_mail_ingest.domain.parsing import parse


def test_a_header_line_without_a_colon_keeps_the_headers_after_it() -> None:
    raw = (
        b"From: jane@customer.example\r\nThis line has no colon\r\n"
        b"Subject: Printer broken\r\nMessage-ID: <s@customer.example>\r\n\r\n"
        b"It is jammed.\r\n"
    )

    mail = parse(raw)

    assert (mail.subject, mail.message_id, mail.from_address, mail.text) == (
        "Printer broken",
        "<s@customer.example>",
        "jane@customer.example",
        "It is jammed.",
    )


def test_a_subject_wrapped_without_indent_is_read_whole() -> None:
    raw = (
        b"Subject: The printer on floor\r\ntwo is jammed again\r\n"
        b"From: jane@customer.example\r\n\r\nHelp\r\n"
    )

    assert parse(raw).subject == "The printer on floor two is jammed again"


def test_a_body_without_a_blank_line_before_it_stays_the_body() -> None:
    raw = b"From: jane@customer.example\r\nSubject: Lift\r\nThe lift is stuck.\r\n"

    mail = parse(raw)

    assert (mail.subject, mail.text) == ("Lift", "The lift is stuck.")


def test_a_multipart_without_a_boundary_is_read_as_text() -> None:
    raw = (
        b"From: jane@customer.example\r\nSubject: No boundary\r\n"
        b"Content-Type: multipart/mixed\r\n\r\nThe door does not lock.\r\n"
    )

    mail = parse(raw)

    assert (mail.text, mail.parts) == ("The door does not lock.", [])


def test_a_multipart_with_a_wrong_boundary_is_split_at_the_one_it_uses() -> None:
    raw = (
        b"From: jane@customer.example\r\nSubject: Wrong boundary\r\n"
        b'Content-Type: multipart/mixed; boundary="declared"\r\n\r\n'
        b"--used\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"See the photo.\r\n"
        b"--used\r\nContent-Type: image/png\r\nContent-Disposition: attachment;"
        b' filename="door.png"\r\n\r\nPNG\r\n--used--\r\n'
    )

    mail = parse(raw)

    assert mail.text == "See the photo."
    assert [(p.filename, p.data) for p in mail.parts] == [("door.png", b"PNG")]


def test_an_unsplittable_multipart_of_html_becomes_text() -> None:
    raw = (
        b"From: jane@customer.example\r\nSubject: Html\r\n"
        b"Content-Type: multipart/alternative; boundary=gone\r\n\r\n"
        b"<html><body><p>The heating is off.</p></body></html>\r\n"
    )

    assert parse(raw).text == "The heating is off."
