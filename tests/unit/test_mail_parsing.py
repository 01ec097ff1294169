"""Parsing the mail corpus: charsets, encodings, structure, screening, replies."""

# ruff: noqa: RUF001  # the corpus is in Cyrillic, Japanese and typographic quotes

import pytest
from desk_mail_ingest.domain.errors import Unparseable
from desk_mail_ingest.domain.parsing import SYNTHETIC_DOMAIN, parse
from desk_mail_ingest.domain.replies import latest_reply
from desk_mail_ingest.domain.screening import ignore_reason

from tests.conftest import ROOT

CORPUS = ROOT / "tests" / "fixtures" / "mail"
DESK_TICKET = "0191d3a4-7f00-7000-8000-00000000abcd"


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "subject", "text"),
    [
        (
            "iso_8859_1_qp.eml",
            "Grüße aus Köln",
            "Grüße, der Kaffeeautomat im Café ist kaputt.",
        ),
        (
            "windows_1252_base64.eml",
            "Smart quotes",
            "The invoice says “€ 120” – that’s wrong.",
        ),
        ("koi8_r.eml", "Не работает принтер", "Принтер на втором этаже не печатает."),
        ("shift_jis.eml", "プリンターが故障", "二階のプリンターが動きません。"),
        (
            "utf8_encoded_words.eml",
            "Straßenlampe defekt – dringend",
            "Die Straßenlampe vor Haus 3 ist aus.",
        ),
    ],
)
def test_charsets_and_transfer_encodings_are_decoded(
    name: str, subject: str, text: str
) -> None:
    mail = parse(corpus(name))

    assert (mail.subject, mail.text) == (subject, text)


def test_encoded_words_in_the_sender_are_decoded() -> None:
    mail = parse(corpus("utf8_encoded_words.eml"))

    assert (mail.from_name, mail.from_address) == (
        "Jürgen Müller",
        "juergen@customer.example",
    )


def test_nested_multiparts_give_the_plain_text_and_every_file() -> None:
    mail = parse(corpus("nested_multipart.eml"))

    assert mail.text == "The printer on floor 2 is jammed."
    assert [
        (p.filename, p.content_type, p.inline, p.content_id) for p in mail.parts
    ] == [
        ("shot.png", "image/png", True, "shot@x"),
        ("manual.pdf", "application/pdf", False, None),
    ]
    assert mail.parts[1].data == b"%PDF-1.4 fake"


def test_html_only_mail_becomes_text() -> None:
    mail = parse(corpus("html_only.eml"))

    assert "<" not in mail.text
    assert "The VPN drops every hour & reconnects." in mail.text
    assert "Since Monday" in mail.text


def test_malformed_headers_and_unknown_charsets_never_raise() -> None:
    mail = parse(corpus("malformed_headers.eml"))

    assert mail.from_address == "broken@customer.example"
    assert mail.message_id == "<malformed@customer.example>"
    assert mail.subject.startswith("Caf")
    assert mail.text


def test_a_missing_message_id_is_made_from_the_bytes() -> None:
    raw = corpus("missing_message_id.eml")

    first, again = parse(raw), parse(raw)
    other = parse(raw + b"\r\nmore")

    assert first.message_id == again.message_id
    assert first.message_id.endswith(f"@{SYNTHETIC_DOMAIN}>")
    assert other.message_id != first.message_id


def test_tnef_is_unpacked_into_its_body_and_files() -> None:
    mail = parse(corpus("tnef.eml"))

    assert "Body carried inside winmail.dat" in mail.text
    assert [(p.filename, p.content_type, p.data) for p in mail.parts] == [
        ("report.txt", "text/plain", b"quarterly figures\n")
    ]


def test_an_attached_message_stays_whole_as_eml() -> None:
    mail = parse(corpus("rfc822_attached.eml"))

    [attached] = mail.parts
    assert mail.text == "Please see the message below."
    assert (attached.filename, attached.content_type) == (
        "Original complaint.eml",
        "message/rfc822",
    )
    assert b"The heating is off." in attached.data


def test_bytes_without_headers_are_unparseable() -> None:
    with pytest.raises(Unparseable):
        parse(corpus("not_mail.eml"))


@pytest.mark.parametrize(
    ("name", "envelope_sender", "reason"),
    [
        (
            "dsn_bounce.eml",
            "mailer-daemon@mx.example",
            "bounce: delivery-status report",
        ),
        ("nested_multipart.eml", "", "bounce: empty envelope sender"),
        (
            "out_of_office.eml",
            "jane@customer.example",
            "automatic: Auto-Submitted auto-replied",
        ),
        ("gmail_reply.eml", "jane@customer.example", None),
        ("outlook_reply.eml", "jane@customer.example", None),
    ],
)
def test_screening_names_why_mail_is_ignored(
    name: str, envelope_sender: str, reason: str | None
) -> None:
    assert ignore_reason(parse(corpus(name)), envelope_sender) == reason


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Precedence: bulk", "automatic: Precedence bulk"),
        ("X-Autoreply: yes", "automatic: x-autoreply present"),
        ("List-Unsubscribe: <mailto:u@list.example>", "automatic: list-unsubscribe"),
        ("Auto-Submitted: no", None),
        ("List-Id: <support.customer.example>", None),
    ],
)
def test_automatic_headers(header: str, reason: str | None) -> None:
    raw = (
        f"From: a@customer.example\r\n{header}\r\nSubject: x\r\n\r\nHello\r\n".encode()
    )

    found = ignore_reason(parse(raw), "a@customer.example")

    if reason is None:
        assert found is None
    else:
        assert (found or "").startswith(reason)


def test_our_own_message_ids_are_a_loop() -> None:
    raw = (
        "From: desk@desk.example\r\n"
        f"Message-ID: <desk.{DESK_TICKET}.1f@desk.example>\r\n"
        "Subject: [SR-2024-0001] Update\r\n\r\nYour ticket was updated.\r\n"
    ).encode()

    assert (
        ignore_reason(parse(raw), "desk@desk.example") == "loop: the desk's own message"
    )


@pytest.mark.parametrize(
    ("name", "reply", "reference"),
    [
        ("outlook_reply.eml", "It works again, thank you.\n\nJane", "SR-2024-0001"),
        ("gmail_reply.eml", "Still jammed, sorry.", None),
        ("german_reply.eml", "Danke, alles gut.", "SR-2024-0002"),
    ],
)
def test_replies_lose_quotes_and_signatures(
    name: str, reply: str, reference: str | None
) -> None:
    mail = parse(corpus(name))

    assert latest_reply(mail.text) == reply
    assert mail.ticket_reference == reference


def test_thread_headers_are_read() -> None:
    mail = parse(corpus("gmail_reply.eml"))

    assert mail.in_reply_to is not None
    assert DESK_TICKET in mail.in_reply_to
    assert mail.references[0] == "<first@customer.example>"


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (
            "Merci\n\nLe mar. 3 déc. 2024 à 10:00, Desk <d@x.fr> a écrit :\n> Bonjour",
            "Merci",
        ),
        (
            "Yes, do\n\n-----Original Message-----\nFrom: Desk\nSent: Monday\n\nold",
            "Yes, do",
        ),
        ("No\n\n> quoted only", "No"),
        (
            "Gracias\n\nEl mar, 3 dic 2024 a las 10:00, Desk (<d@x.es>) escribió:"
            "\n> Hola",
            "Gracias",
        ),
        (
            "Obrigado\n\nEm ter., 3 de dez. de 2024 às 10:00, Desk <d@x.pt> escreveu:"
            "\n> Olá",
            "Obrigado",
        ),
        (
            "Grazie\n\nIl giorno mar 3 dic 2024 alle ore 10:00 Desk <d@x.it> ha "
            "scritto:\n> Ciao",
            "Grazie",
        ),
    ],
)
def test_reply_markers_in_several_forms(text: str, kept: str) -> None:
    assert latest_reply(text) == kept


def test_a_message_that_is_all_quote_keeps_its_text() -> None:
    assert latest_reply("> only a quote") == "> only a quote"
