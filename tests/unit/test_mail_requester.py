"""Who a ticket opened by mail answers when the directory does not know the sender."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from desk_tickets.service_layer.mail_intake import MAX_NAME, unknown_requester
from helpdesk_contracts.mail.v1 import MailReceived


def mail(**fields: Any) -> MailReceived:
    mail_id = uuid.uuid4()
    defaults: dict[str, Any] = {
        "mail_id": mail_id,
        "message_id": f"<{mail_id.hex}@customer.example>",
        "mailbox": "support@acme.example",
        "from_address": "Jane@Customer.example",
        "from_name": "Jane Customer",
        "subject": "Printer jammed",
        "body": "Jammed.",
        "raw_blob_key": f"mail/{mail_id}/raw.eml",
        "received_at": datetime(2026, 12, 4, tzinfo=UTC),
    }
    return MailReceived(**{**defaults, **fields})


def test_an_unknown_sender_is_kept_by_address_and_name() -> None:
    found = unknown_requester(None, mail())

    assert found == ("Jane@Customer.example", "Jane Customer")


def test_a_known_sender_is_the_requester_and_needs_no_address() -> None:
    assert unknown_requester("jane", mail()) == (None, None)


@pytest.mark.parametrize("address", ["", "jane", "jane @x.example", "  "])
def test_an_address_that_cannot_be_answered_is_not_kept(address: str) -> None:
    assert unknown_requester(None, mail(from_address=address)) == (None, None)


def test_the_name_is_one_bounded_line_or_none() -> None:
    folded = unknown_requester(None, mail(from_name="Jane\r\nBcc: evil@x.example"))
    long = unknown_requester(None, mail(from_name="J" * 1000))
    blank = unknown_requester(None, mail(from_name="  "))

    assert folded[1] == "Jane Bcc: evil@x.example"
    assert long[1] == "J" * MAX_NAME
    assert blank == ("Jane@Customer.example", None)
