"""RFC 2047 encoded words (``=?utf-8?q?caf=C3=A9?=``) in headers, decoded strictly.

The standard library decodes a broken word anyway: base64 with characters outside
its alphabet, a ``=`` in Q-encoding without two hex digits, bytes that are not text
in the word's charset. What comes out is garbage (``é1``, ``�``) where the word as
written at least shows what was sent. Here a word decodes only when it is sound;
otherwise it stays as written. Adjacent words are decoded together (a client may
split one character over two words), with the whitespace between them dropped.
"""

import base64
import binascii
import re
from dataclasses import dataclass

from desk_mail_ingest.domain.charsets import decode_text

_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_BAD_ESCAPE = re.compile(r"=(?![0-9A-Fa-f]{2})")
_REPLACEMENT = "\ufffd"


@dataclass
class _Word:
    data: bytes
    charset: str
    written: str
    """The word as written, with the whitespace before it that decoding drops."""


def decoded(text: str) -> str:
    """``text`` with its sound encoded words decoded and broken ones as written."""
    return _decoded(text)[0]


def has_broken(text: str) -> bool:
    """Whether ``text`` holds an encoded word that does not decode soundly."""
    return _decoded(text)[1]


def _decoded(text: str) -> tuple[str, bool]:
    """``text`` decoded, and whether a broken word was left as written."""
    if "=?" not in text:
        return text, False
    pieces: list[str | _Word] = []
    broken = False
    position = 0
    for match in _WORD.finditer(text):
        between = text[position : match.start()]
        position = match.end()
        data = _bytes_of(match[2], match[3])
        if data is None:
            pieces.append(between + match[0])
            broken = True
            continue
        joined = bool(pieces) and isinstance(pieces[-1], _Word) and between.isspace()
        if between and not joined:
            pieces.append(between)
        written = between + match[0] if joined else match[0]
        pieces.append(_Word(data, match[1], written))
    pieces.append(text[position:])
    texts, sound = _texts(pieces)
    return "".join(texts), broken or not sound


def _bytes_of(encoding: str, payload: str) -> bytes | None:
    """The bytes a word's payload encodes; ``None`` when it is broken."""
    if encoding in "bB":
        if not _BASE64.fullmatch(payload):
            return None
        digits = payload.rstrip("=")
        if len(digits) % 4 == 1:
            return None
        try:
            return base64.b64decode(digits + "=" * (-len(digits) % 4), validate=True)
        except binascii.Error:
            return None
    if _BAD_ESCAPE.search(payload) or not payload.isascii():
        return None
    return binascii.a2b_qp(payload.encode("ascii"), header=True)


def _texts(pieces: list[str | _Word]) -> tuple[list[str], bool]:
    """The pieces as text, runs of words in one charset decoded together, and
    whether every run was text in its charset."""
    out: list[str] = []
    sound = True
    run: list[_Word] = []
    for piece in [*pieces, ""]:
        if isinstance(piece, _Word) and (not run or _same_charset(run[0], piece)):
            run.append(piece)
            continue
        if run:
            text, fits = _text_of(run)
            out.append(text)
            sound = sound and fits
            run = []
        if isinstance(piece, _Word):
            run.append(piece)
        else:
            out.append(piece)
    return out, sound


def _same_charset(one: _Word, other: _Word) -> bool:
    return one.charset.lower() == other.charset.lower()


def _text_of(run: list[_Word]) -> tuple[str, bool]:
    """A run of words decoded, or as written if its bytes are not text."""
    data = b"".join(word.data for word in run)
    text = decode_text(data, run[0].charset)
    if _REPLACEMENT in text and _REPLACEMENT.encode() not in data:
        return "".join(word.written for word in run), False
    return text, True
