"""Reading a raw RFC 5322 message into what the desk needs, whatever its state.

The MIME tree is parsed with ``compat32``, ten times faster than ``policy.default``
on real mail, except that raw 8-bit header bytes (SMTPUTF8 mail, or a client that
skips RFC 2047) are read as UTF-8, else as Windows-1252, instead of as unknown
bytes. Address headers are then modelled with ``policy.default``'s header classes;
other headers have their encoded words decoded with the charset rules of bodies.
Bodies are decoded with their declared charset (see :mod:`charsets`). Nothing here
raises on malformed input except :class:`Unparseable`, for bytes that are not mail
at all.
"""

import email
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.errors import HeaderParseError
from email.header import Header, decode_header
from email.message import Message
from email.policy import Compat32
from email.utils import getaddresses
from typing import TYPE_CHECKING

from desk_mail_ingest.domain import bodies, charsets, repairs
from desk_mail_ingest.domain.errors import Unparseable
from desk_mail_ingest.domain.model import Part

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_ADDRESS = re.compile(r"[^<>\s\"',;:()]+@[^<>\s\"',;:()]+")
_REFERENCE = re.compile(r"\[?\b(SR-\d{4}-\d{4,})\b\]?", re.IGNORECASE)
_ADDRESS_HEADERS = frozenset({"from", "sender", "reply-to"})
_REPORT_PARTS = {
    "message/delivery-status": "delivery-status",
    "message/global-delivery-status": "delivery-status",
    "message/disposition-notification": "disposition-notification",
    "message/global-disposition-notification": "disposition-notification",
}
MAX_ADDRESS_LENGTH = 254
"""RFC 5321's bound; a longer "address" is none (and would not fit an index)."""
MAX_MESSAGE_ID_BYTES = 500
"""Longer Message-IDs are stored hashed: a unique index entry holds ~2.7 kB."""
SYNTHETIC_DOMAIN = "synthesised.desk.invalid"

if TYPE_CHECKING:  # typeshed makes policies generic; the runtime class is not
    _Compat32 = Compat32[Message]
else:
    _Compat32 = Compat32


@dataclass
class ParsedMail:
    message_id: str
    from_address: str
    from_name: str | None
    subject: str
    in_reply_to: str | None
    references: list[str]
    text: str
    """The whole text body (HTML turned into text when there is no plain part)."""
    parts: list[Part] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    """The headers that screening reads, lower-cased names."""
    content_type: str = "text/plain"
    report_type: str | None = None
    """``delivery-status`` or ``disposition-notification`` when the message is such
    a report, whichever part of it says so (not inside an attached message)."""
    from_mailbox: str = ""
    """The From address as written, lower-cased, even one without a domain."""

    @property
    def ticket_reference(self) -> str | None:
        match = _REFERENCE.search(self.subject)
        return match[1].upper() if match else None


SCREENED_HEADERS = (
    "auto-submitted",
    "precedence",
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
    "list-id",
    "list-unsubscribe",
    "return-path",
    "x-failed-recipients",
)


def synthetic_message_id(raw: bytes) -> str:
    """A stable Message-ID for a message without one: the same bytes, the same id."""
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}@{SYNTHETIC_DOMAIN}>"


def is_address(text: str) -> bool:
    """Whether ``text`` can be a mail address the desk keeps."""
    return len(text) <= MAX_ADDRESS_LENGTH and _ADDRESS.fullmatch(text) is not None


def parse(raw: bytes) -> ParsedMail:
    """Everything the desk reads from ``raw``; ``Unparseable`` if it is not mail."""
    if not raw.strip():
        raise Unparseable("the message is empty")
    message = email.message_from_bytes(repairs.mended_head(raw), policy=_POLICY)
    headers = _Headers(message)
    if not message.keys():
        raise Unparseable("the message has no headers")
    name, address = headers.sender()
    found = bodies.collect(message)
    message_id = _first_id(headers.get("message-id")) or synthetic_message_id(raw)
    return ParsedMail(
        message_id=message_id,
        from_address=address,
        from_name=name or None,
        subject=" ".join(headers.get("subject").split()),
        in_reply_to=_first_id(headers.get("in-reply-to")),
        references=[
            _bounded(m) for m in _MESSAGE_ID.findall(headers.get("references"))
        ],
        text=found.text,
        parts=found.parts,
        headers={n: headers.get(n) for n in SCREENED_HEADERS if n in message},
        content_type=message.get_content_type(),
        report_type=_report_type(message),
        from_mailbox=headers.from_mailbox(),
    )


def _report_type(message: Message) -> str | None:
    """What report the message is: a ``multipart/report`` or report part says."""
    for part in _structure(message):
        kind = part.get_content_type()
        if kind in _REPORT_PARTS:
            return _REPORT_PARTS[kind]
        declared = part.get_param("report-type") if kind == "multipart/report" else None
        if isinstance(declared, str) and declared.lower() in _REPORT_PARTS.values():
            return declared.lower()
    return None


def _structure(part: Message) -> Iterator[Message]:
    """``part`` and the parts inside it, not entering attached messages."""
    yield part
    payload = part.get_payload()
    if part.get_content_maintype() == "multipart" and isinstance(payload, list):
        for sub in payload:
            if isinstance(sub, Message):
                yield from _structure(sub)


def _first_id(value: str) -> str | None:
    found = _MESSAGE_ID.search(value)
    return _bounded(found[0]) if found else None


def _bounded(message_id: str) -> str:
    """``message_id``, or a stable hash of it when it is too long to index."""
    data = message_id.encode("utf-8", "replace")
    if len(data) <= MAX_MESSAGE_ID_BYTES:
        return message_id
    return f"<{hashlib.sha256(data).hexdigest()[:40]}@{SYNTHETIC_DOMAIN}>"


class _EightBitHeaders(_Compat32):
    """``compat32``, with raw 8-bit header bytes read as text, not kept as bytes.

    ``compat32`` returns such a value as a ``Header`` of unknown bytes, which prints
    them as replacement marks; this reads them as UTF-8 when valid, else cp1252.
    NUL characters are dropped: no text column can hold them.
    """

    def header_fetch_parse(  # type: ignore[override]  # compat32's str | Header
        self, name: str, value: str
    ) -> str | Header:
        if isinstance(value, str):
            return charsets.unescaped(value).replace("\x00", "")
        return super().header_fetch_parse(name, value)


_POLICY = _EightBitHeaders()


class _Headers:
    """Header values as text, encoded words decoded."""

    def __init__(self, message: Message) -> None:
        self._message = message
        self._read: dict[str, str] = {}

    def get(self, name: str) -> str:
        if name not in self._read:  # From is read twice; modelling it is dear
            self._read[name] = self._decoded(name)
        return self._read[name]

    def _decoded(self, name: str) -> str:
        value = self._message.get(name)
        if value is None:
            return ""
        text = "".join(str(value).splitlines())
        if name in _ADDRESS_HEADERS:
            return _modelled(name, text)
        try:
            return _decoded_words(text)
        # A broken encoded word (bad base64): policy.default keeps it as it is.
        except HeaderParseError:
            return _modelled(name, text)

    def sender(self) -> tuple[str, str]:
        """The From name and address; Sender or Reply-To when From has none."""
        for name in ("from", "sender", "reply-to"):
            value = self.get(name)
            if not value:
                continue
            found = [(n, a) for n, a in getaddresses([value]) if is_address(a)]
            if found:
                display, address = found[0]
                return " ".join(display.split()), address.lower()
            loose = _ADDRESS.search(value)  # a broken header: take the address alone
            if loose and is_address(loose[0]):
                return "", loose[0].lower()
        return "", ""

    def from_mailbox(self) -> str:
        """The From address as written, even without a domain (``MAILER-DAEMON``)."""
        found = getaddresses([self.get("from")])
        return found[0][1].strip().lower()[:MAX_ADDRESS_LENGTH] if found else ""


def _modelled(name: str, text: str) -> str:
    """``text`` as ``policy.default`` reads the header ``name``."""
    try:
        return charsets.unescaped(str(policy.default.header_factory(name, text)))
    # policy.default raises assorted errors on headers it cannot model.
    except (ValueError, IndexError, TypeError, AttributeError, LookupError):
        try:
            return _decoded_words(text)
        except HeaderParseError:
            return text


def _decoded_words(text: str) -> str:
    """``text`` with its RFC 2047 words decoded by the desk's charset rules."""
    return "".join(
        _decoded_chunk(data, charset) for data, charset in decode_header(text)
    )


def _decoded_chunk(data: bytes | str, charset: str | None) -> str:
    if isinstance(data, str):
        return data
    if charset is None:  # the text between words, as decode_header encodes it
        return data.decode("raw-unicode-escape")
    return charsets.decode_text(data, charset)
