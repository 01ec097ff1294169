"""What a message says is bounded and cleaned so that a database can keep it."""

from desk_mail_ingest.domain.parsing import (
    MAX_MESSAGE_ID_BYTES,
    SYNTHETIC_DOMAIN,
    parse,
)


def test_nul_characters_are_dropped_from_headers_and_body() -> None:
    raw = (
        b"From: Ja\x00ne <jane@customer.example>\r\nSubject: Prin\x00ter\r\n"
        b"Message-ID: <a\x00b@customer.example>\r\n\r\nIt is bro\x00ken.\r\n"
    )

    mail = parse(raw)

    assert (mail.from_name, mail.subject, mail.message_id, mail.text) == (
        "Jane",
        "Printer",
        "<ab@customer.example>",
        "It is broken.",
    )


def test_an_over_long_message_id_is_replaced_by_a_stable_hash() -> None:
    long_id = f"<{'x' * 3000}@customer.example>"
    raw = f"From: a@customer.example\r\nMessage-ID: {long_id}\r\n\r\nHi\r\n".encode()

    first, again = parse(raw), parse(raw.replace(b"Hi", b"Hello"))

    assert first.message_id == again.message_id
    assert first.message_id.endswith(f"@{SYNTHETIC_DOMAIN}>")
    assert len(first.message_id) < MAX_MESSAGE_ID_BYTES


def test_a_message_id_within_the_bound_is_kept() -> None:
    long_id = f"<{'x' * (MAX_MESSAGE_ID_BYTES - 20)}@customer.example>"
    raw = f"From: a@customer.example\r\nMessage-ID: {long_id}\r\n\r\nHi\r\n".encode()

    assert parse(raw).message_id == long_id


def test_over_long_thread_ids_are_bounded_too() -> None:
    long_id = f"<{'r' * 3000}@customer.example>"
    raw = (
        f"From: a@customer.example\r\nIn-Reply-To: {long_id}\r\n"
        f"References: <short@customer.example> {long_id}\r\n\r\nHi\r\n"
    ).encode()

    mail = parse(raw)

    assert mail.in_reply_to is not None
    assert len(mail.in_reply_to) < MAX_MESSAGE_ID_BYTES
    assert mail.references[0] == "<short@customer.example>"
    assert mail.references[1] == mail.in_reply_to


def test_an_address_longer_than_smtp_allows_is_no_address() -> None:
    raw = f"From: {'a' * 3000}@customer.example\r\n\r\nHi\r\n".encode()

    assert parse(raw).from_address == ""
