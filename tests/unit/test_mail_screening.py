"""Screening bounces and automatic mail in the forms real servers send them."""

import pytest
from desk_mail_ingest.domain.parsing import parse
from desk_mail_ingest.domain.screening import ignore_reason

HUMAN = "jane@customer.example"
STATUS = (
    "Content-Type: message/delivery-status\r\n\r\n"
    "Reporting-MTA: dns; mx.customer.example\r\n\r\n"
    "Final-Recipient: rfc822; gone@customer.example\r\nAction: failed\r\n"
)


def mail(*headers: str, body: str = "Hello") -> bytes:
    head = "\r\n".join(["Message-ID: <s@customer.example>", *headers])
    return f"{head}\r\n\r\n{body}\r\n".encode()


@pytest.mark.parametrize(
    "value", ["no (a person wrote this)", "No", "no ; note", "(why (not)) no"]
)
def test_auto_submitted_no_with_comments_is_not_automatic(value: str) -> None:
    raw = mail(f"From: {HUMAN}", f"Auto-Submitted: {value}", "Subject: x")

    assert ignore_reason(parse(raw), HUMAN) is None


def test_auto_submitted_with_a_comment_is_still_read() -> None:
    raw = mail(f"From: {HUMAN}", "Auto-Submitted: auto-replied (vacation)")

    assert ignore_reason(parse(raw), HUMAN) == "automatic: Auto-Submitted auto-replied"


def test_a_report_nested_in_another_part_is_a_bounce() -> None:
    raw = mail(
        f"From: {HUMAN}",
        'Content-Type: multipart/mixed; boundary="o"',
        body=(
            "--o\r\nContent-Type: multipart/report; report-type=delivery-status;"
            ' boundary="r"\r\n\r\n--r\r\nContent-Type: text/plain\r\n\r\nFailed.\r\n'
            f"--r\r\n{STATUS}--r--\r\n--o--"
        ),
    )

    assert ignore_reason(parse(raw), HUMAN) == "bounce: delivery-status report"


def test_a_report_without_report_type_but_a_status_part_is_a_bounce() -> None:
    raw = mail(
        f"From: {HUMAN}",
        'Content-Type: multipart/report; boundary="r"',
        body=f"--r\r\nContent-Type: text/plain\r\n\r\nFailed.\r\n--r\r\n{STATUS}--r--",
    )

    assert ignore_reason(parse(raw), HUMAN) == "bounce: delivery-status report"


def test_a_forwarded_bounce_inside_an_attached_message_is_no_bounce() -> None:
    raw = mail(
        f"From: {HUMAN}",
        'Content-Type: multipart/mixed; boundary="o"',
        body=(
            "--o\r\nContent-Type: text/plain\r\n\r\nWhy did this bounce?\r\n"
            "--o\r\nContent-Type: message/rfc822\r\n\r\n"
            'From: x@mx.example\r\nContent-Type: multipart/report; boundary="r"'
            f"\r\n\r\n--r\r\n{STATUS}--r--\r\n--o--"
        ),
    )

    assert ignore_reason(parse(raw), HUMAN) is None


def test_x_failed_recipients_makes_a_bounce() -> None:
    raw = mail(f"From: {HUMAN}", "X-Failed-Recipients: gone@customer.example")

    assert ignore_reason(parse(raw), HUMAN) == "bounce: x-failed-recipients present"


@pytest.mark.parametrize(
    ("sender", "reason"),
    [
        ("MAILER-DAEMON", "bounce: from mailer-daemon"),
        ("Mail Delivery System <MAILER-DAEMON>", "bounce: from mailer-daemon"),
        ("postmaster@mx.example", "bounce: from postmaster@mx.example"),
    ],
)
def test_mail_from_a_mail_daemon_is_a_bounce_even_without_a_domain(
    sender: str, reason: str
) -> None:
    parsed = parse(mail(f"From: {sender}", "Subject: Undeliverable"))

    assert ignore_reason(parsed, None) == reason
