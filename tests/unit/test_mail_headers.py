"""Header values as real mail carries them: raw 8-bit bytes and encoded words."""

import pytest
from desk_mail_ingest.domain.parsing import parse


def mail(*headers: str, charset: str = "utf-8", body: str = "Hello") -> bytes:
    """A message whose header lines are written raw, in ``charset``."""
    head = "\r\n".join(["Message-ID: <h@customer.example>", *headers])
    return f"{head}\r\n\r\n{body}\r\n".encode(charset)


@pytest.mark.parametrize("charset", ["utf-8", "cp1252"])
def test_raw_8bit_subject_and_sender_are_read_as_text(charset: str) -> None:
    raw = mail("From: Jürgen <j@x.de>", "Subject: Straße kaputt", charset=charset)

    parsed = parse(raw)

    assert (parsed.subject, parsed.from_name, parsed.from_address) == (
        "Straße kaputt",
        "Jürgen",
        "j@x.de",
    )


def test_a_raw_utf8_filename_is_read_as_text() -> None:
    raw = mail(
        "From: j@x.de",
        "Subject: Plan",
        'Content-Type: multipart/mixed; boundary="b"',
        body=(
            "--b\r\nContent-Type: text/plain\r\n\r\nSee the plan.\r\n"
            "--b\r\nContent-Type: application/pdf\r\n"
            'Content-Disposition: attachment; filename="Straßenplan.pdf"\r\n\r\n'
            "%PDF\r\n--b--"
        ),
    )

    [part] = parse(raw).parts

    assert part.filename == "Straßenplan.pdf"


def test_encoded_words_and_raw_text_mix_in_one_subject() -> None:
    raw = mail("From: j@x.de", "Subject: Re: =?utf-8?q?Gr=C3=BC=C3=9Fe?= aus Köln")

    assert parse(raw).subject == "Re: Grüße aus Köln"


def test_an_encoded_display_name_with_a_comma_stays_one_name() -> None:
    raw = mail("From: =?utf-8?q?M=C3=BCller=2C_J=C3=BCrgen?= <j@x.de>", "Subject: x")

    parsed = parse(raw)

    assert (parsed.from_name, parsed.from_address) == ("Müller, Jürgen", "j@x.de")


def test_an_encoded_word_labelled_ascii_with_8bit_bytes_is_not_replaced() -> None:
    raw = mail("From: j@x.de", "Subject: =?us-ascii?q?Caf=E9?= closed")

    assert parse(raw).subject == "Café closed"


@pytest.mark.parametrize(
    "word",
    [
        "=?utf-8?B?w6k!!x?=",  # characters outside base64
        "=?utf-8?B?w6kx5?=",  # a length base64 cannot have
        "=?utf-8?B?w6?=",  # half a UTF-8 character
        "=?utf-8?Q?caf=C3=?=",  # an escape without its two hex digits
    ],
)
def test_a_broken_encoded_word_is_kept_as_written(word: str) -> None:
    raw = mail(f"From: {word} <j@x.de>", f"Subject: Re: {word} printer")

    parsed = parse(raw)

    assert parsed.subject == f"Re: {word} printer"
    assert (parsed.from_name, parsed.from_address) == (word, "j@x.de")


def test_sound_words_beside_a_broken_one_are_still_decoded() -> None:
    raw = mail(
        "From: j@x.de",
        "Subject: =?utf-8?q?Gr=C3=BC?= =?utf-8?q?=C3=9Fe?= =?utf-8?B?w6k!?= Köln",
    )

    assert parse(raw).subject == "Grüße =?utf-8?B?w6k!?= Köln"


def test_a_character_split_over_two_words_is_joined() -> None:
    raw = mail("From: j@x.de", "Subject: Caf=?utf-8?B?ww==?= =?utf-8?Q?=A9?= open")

    assert parse(raw).subject == "Café open"
