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


async def test_mail_passed_on_by_the_mailboxs_own_group_is_accepted(
    desk: Desk,
) -> None:
    def sent_through(list_address: str, message_id: str) -> bytes:
        return (
            f"From: Jane <jane@customer.example>\r\nTo: {list_address}\r\n"
            f"Subject: Printer jam\r\nMessage-ID: <{message_id}@customer.example>\r\n"
            f"List-Post: <mailto:{list_address}>\r\nPrecedence: list\r\n"
            f"List-Unsubscribe: <mailto:unsubscribe@groups.example>\r\n\r\n"
            "The printer on floor 2 jams.\r\n"
        ).encode()

    answers = [
        await desk.api.post(
            f"/v1/mail/mailboxes/{desk.address}/messages",
            content=sent_through(to, message_id),
            headers=desk.headers,
        )
        for to, message_id in [(desk.address, "g1"), ("news@lists.example", "g2")]
    ]

    assert [a.json()["status"] for a in answers] == ["accepted", "ignored"]
    assert answers[1].json()["reason"] == "automatic: Precedence list"
