"""Mending the damage real mail carries before and while its MIME tree is read.

- A header line without a colon ends the header block for the standard parser, so
  the headers after it (often the Subject) become body text. When another header
  follows it, the stray line is folded into the header above it instead.
- A multipart without a boundary parameter, or with one its body never uses, is
  not split at all. When its body opens with a boundary line followed by a part
  header, it is split at that boundary; otherwise it is read as text.
- A base64 body with characters outside the alphabet (a footer a list server
  appended, the next part's boundary after a lost line) or cut short is
  undecodable for the standard library, which keeps its base64 text, or decodes
  the junk too. The valid start of it is decoded instead.
"""

import base64
import binascii
import email
import re
from email.message import Message

_HEAD_END = re.compile(rb"\r?\n\r?\n")
_FIELD = re.compile(rb"[\x21-\x39\x3b-\x7e]+:")
_BCHAR = rb"[0-9A-Za-z'()+_,./:=?-]"  # RFC 2046's boundary characters
_BOUNDARY_LINE = re.compile(
    rb"^--(" + _BCHAR + rb"(?:[ 0-9A-Za-z'()+_,./:=?-]{0,68}" + _BCHAR + rb")?)"
    rb"[ \t]*\r?\n(?=content-[a-z-]+:)",
    re.IGNORECASE | re.MULTILINE,
)
_BASE64_START = re.compile(r"[A-Za-z0-9+/\r\n]*")
_HTML_START = re.compile(r"\s*<(!doctype\s+html|html|head|body)\b", re.IGNORECASE)


def mended_head(raw: bytes) -> bytes:
    """``raw`` with each stray header line folded into the header above it."""
    found = _HEAD_END.search(raw)
    end = found.start() if found else len(raw)
    lines = raw[:end].splitlines(keepends=True)
    stray = [i for i, line in enumerate(lines) if i and not _is_header_line(line)]
    if not stray:
        return raw
    for index in stray:
        if not _next_is_field(lines, index + 1):
            break  # the body starts here, without a blank line: the parser knows
        lines[index] = b" " + lines[index]
    return b"".join(lines) + raw[end:]


def _is_header_line(line: bytes) -> bool:
    return line[:1] in (b" ", b"\t") or _FIELD.match(line) is not None


def _next_is_field(lines: list[bytes], start: int) -> bool:
    """Whether the first line from ``start`` that is no continuation is a field."""
    for line in lines[start:]:
        if line[:1] not in (b" ", b"\t"):
            return _FIELD.match(line) is not None
    return False


def split_at_guessed_boundary(part: Message, data: bytes) -> Message | None:
    """``part`` split at the boundary its body ``data`` uses; ``None`` if none."""
    found = _BOUNDARY_LINE.search(data)
    if found is None:
        return None
    boundary = found[1].decode("ascii")
    head = f'Content-Type: {part.get_content_type()}; boundary="{boundary}"\r\n\r\n'
    split = email.message_from_bytes(head.encode("ascii") + data, policy=part.policy)
    return split if split.is_multipart() and split.get_payload() else None


def looks_like_html(text: str) -> bool:
    """Whether unlabelled text is an HTML document."""
    return _HTML_START.match(text) is not None


def decoded_base64(text: str) -> bytes:
    """A base64 body's bytes: all of them when it is sound, else its valid start
    (up to the first character outside the alphabet, whole bytes only). When
    whole lines come before it, the line it sits in is left out: a footer such
    as "Join our list" starts with letters base64 would take for digits."""
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        pass
    start = _BASE64_START.match(text)
    run = start[0] if start else ""
    if len(run) < len(text) and "\n" in run and not run.endswith("\n"):
        run = run[: run.rfind("\n") + 1]
    digits = "".join(run.split())
    if len(digits) % 4 == 1:  # a lone last digit holds no whole byte
        digits = digits[:-1]
    return base64.b64decode(digits + "=" * (-len(digits) % 4))
