"""Screening on the paths without an envelope sender (IMAP, upload)."""

from tests.service.mail.conftest import Desk


async def test_a_bounce_from_a_bare_mailer_daemon_is_ignored_not_quarantined(
    desk: Desk,
) -> None:
    raw = (
        b"From: MAILER-DAEMON\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        b"Message-ID: <b1@mx.customer.example>\r\n\r\nYour message failed.\r\n"
    )

    answer = await desk.api.post(
        f"/v1/mail/mailboxes/{desk.address}/messages", content=raw, headers=desk.headers
    )

    assert answer.status_code == 202, answer.text
    assert (answer.json()["status"], answer.json()["reason"]) == (
        "ignored",
        "bounce: from mailer-daemon",
    )
    assert await desk.listed("quarantined") == []
