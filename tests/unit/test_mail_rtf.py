"""Outlook's RTF bodies: compressed RTF, encapsulated HTML and text, plain RTF."""

from desk_mail_ingest.domain.parsing import parse
from desk_mail_ingest.domain.rtf import RtfText, decompressed, rtf_to_text

from tests.conftest import ROOT

# The example stream of MS-OXRTFCP section 4.1 and the RTF it stands for.
SPEC_STREAM = bytes.fromhex(
    "2d0000002b0000004c5a4675f1c5c7a703000a007263706731323542320af32068656c09"
    "0020627705b06c647d0a800fa0"
)
SPEC_RTF = b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"


def test_compressed_rtf_is_decompressed() -> None:
    assert decompressed(SPEC_STREAM) == SPEC_RTF


def test_an_uncompressed_stream_and_bare_rtf_are_taken_as_they_are() -> None:
    header = len(SPEC_RTF).to_bytes(4, "little") * 2 + b"MELA" + b"\x00" * 4

    assert decompressed(header + SPEC_RTF) == SPEC_RTF
    assert decompressed(SPEC_RTF) == SPEC_RTF


def test_bytes_that_are_no_rtf_stream_give_nothing() -> None:
    assert decompressed(b"\x00" * 8 + b"ABCD" + b"\x00" * 20) is None


def test_a_winmail_dat_with_only_compressed_rtf_gives_its_text() -> None:
    mail = parse((ROOT / "tests" / "fixtures" / "mail" / "tnef_rtf.eml").read_bytes())

    assert mail.text == (
        "Der Drucker im 2. Stock ist kaputt \u2013 bitte prüfen.\n\nGrüße, Jürgen"
    )
    assert mail.parts == []


def test_plain_rtf_gives_its_visible_text_in_its_code_page() -> None:
    rtf = (
        b"{\\rtf1\\ansi\\ansicpg1251\\deff0{\\fonttbl{\\f0 Arial;}}"
        b"{\\*\\generator Riched20;}{\\pict\\pngblip 89504e47}"
        b"\\pard \\'cf\\'f0\\'e8\\'ed\\'f2\\'e5\\'f0 \\endash  \\b off\\b0\\par"
        b"\\tab Zeile\\line zwei \\{x\\}\\par}"
    )

    assert rtf_to_text(rtf) == RtfText(
        "Принтер \u2013 off\n\tZeile\nzwei {x}\n", html=False
    )


def test_unicode_escapes_skip_their_fallback_and_join_surrogate_pairs() -> None:
    rtf = b"{\\rtf1\\uc1 J\\u252?rgen \\u-10179?\\u-8704?\\uc2\\u8364\\'80\\'80!}"

    assert rtf_to_text(rtf).text == "Jürgen \U0001f600€!"


def test_encapsulated_text_leaves_out_what_only_rtf_shows() -> None:
    rtf = (
        b"{\\rtf1\\ansi\\fromtext {\\fonttbl{\\f0 Courier;}}"
        b"\\htmlrtf {\\b\\htmlrtf0 Hello\\htmlrtf}\\htmlrtf0 ,\\par"
        b"{\\*\\htmltag84 ignored}second line}"
    )

    assert rtf_to_text(rtf) == RtfText("Hello,\nsecond line", html=False)


def test_binary_data_is_skipped_unread() -> None:
    rtf = b"{\\rtf1 before\\bin4 {}\\x after}"

    assert rtf_to_text(rtf).text == "before after"


def test_absurdly_deep_groups_are_still_read() -> None:
    rtf = b"{\\rtf1 " + b"{" * 100_000 + b"deep" + b"}" * 100_000 + b" out}"

    assert rtf_to_text(rtf).text == "deep out"
