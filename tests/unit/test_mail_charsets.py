"""Decoding body and header bytes by the charset a message claims, or lacks."""

import pytest
from desk_mail_ingest.domain.charsets import decode_8bit, decode_text


@pytest.mark.parametrize("charset", ["us-ascii", "US-ASCII", None, "", "x-no-such"])
def test_utf8_without_a_usable_charset_is_read_as_utf8(charset: str | None) -> None:
    assert decode_text("Café".encode(), charset) == "Café"


@pytest.mark.parametrize("charset", ["us-ascii", None, "x-no-such", "unknown-8bit"])
def test_8bit_bytes_that_are_not_utf8_are_read_as_windows_1252(
    charset: str | None,
) -> None:
    assert decode_text(b"\x93Caf\xe9\x94 \x80 5", charset) == "“Café” € 5"


@pytest.mark.parametrize(
    ("label", "codec", "text"),
    [
        ("windows-874", "cp874", "สวัสดี"),
        ("x-sjis", "shift_jis", "故障"),
        ("iso-8859-8-i", "iso-8859-8", "שלום"),
        ("x-mac-roman", "mac_roman", "Café"),
        ("ks_c_5601-1987", "cp949", "똠방각하"),
        ("gb2312", "gb18030", "陶喆"),
        ("shift_jis", "cp932", "①番"),
        ("big5", "big5hkscs", "電腦"),
    ],
)
def test_labels_clients_use_are_read_with_the_codec_they_mean(
    label: str, codec: str, text: str
) -> None:
    assert decode_text(text.encode(codec), label) == text


def test_a_quoted_label_in_capitals_is_still_known() -> None:
    assert decode_text("Grüße".encode("cp1252"), ' "ISO-8859-1" ') == "Grüße"


def test_a_bytes_codec_named_as_charset_neither_raises_nor_decodes_as_it() -> None:
    assert decode_text(b"SGVsbG8=", "base64") == "SGVsbG8="


def test_windows_1252_holes_keep_their_byte_rather_than_a_replacement() -> None:
    assert decode_8bit(b"a\x81b\xe9") == "a\x81bé"
