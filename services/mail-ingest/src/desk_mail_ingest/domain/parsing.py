"""Reading a raw RFC 5322 message into what the desk needs, whatever its state.

The MIME tree is parsed with ``compat32``, ten times faster than ``policy.default``
on real mail; the few headers the desk reads are then modelled with
``policy.default``'s header classes (encoded words, address lists), and a header
those cannot model is decoded the ``compat32`` way. Bodies are decoded with their
declared charset, or with replacement characters when the charset is unknown or
lies. Nothing here raises on malformed input except :class:`Unparseable`, for
bytes that are not mail at all.
"""

import email
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses

from desk_mail_ingest.domain import bodies, charsets
from desk_mail_ingest.domain.errors import Unparseable
from desk_mail_ingest.domain.model import Part

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_ADDRESS = re.compile(r"[^<>\s\"',;:()]+@[^<>\s\"',;:()]+")
_REFERENCE = re.compile(r"\[?\b(SR-\d{4}-\d{4,})\b\]?", re.IGNORECASE)
SYNTHETIC_DOMAIN = "synthesised.desk.invalid"


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


def parse(raw: bytes) -> ParsedMail:
    """Everything the desk reads from ``raw``; ``Unparseable`` if it is not mail."""
    if not raw.strip():
        raise Unparseable("the message is empty")
    message = email.message_from_bytes(raw, policy=policy.compat32)
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
        references=_MESSAGE_ID.findall(headers.get("references")),
        text=found.text,
        parts=found.parts,
        headers={n: headers.get(n) for n in SCREENED_HEADERS if n in message},
        content_type=message.get_content_type(),
        report_type=_report_type(message),
    )


def _report_type(message: Message) -> str | None:
    value = message.get_param("report-type")
    return str(value).lower() if isinstance(value, str) else None


def _first_id(value: str) -> str | None:
    found = _MESSAGE_ID.search(value)
    return found[0] if found else None


class _Headers:
    """Header values as text: ``policy.default``'s reading, else ``compat32``'s."""

    def __init__(self, message: Message) -> None:
        self._message = message

    def get(self, name: str) -> str:
        value = self._message.get(name)
        if value is None:
            return ""
        text = _unescaped("".join(str(value).splitlines()))
        try:
            return str(policy.default.header_factory(name, text))
        # policy.default raises assorted errors on headers it cannot model.
        except (ValueError, IndexError, TypeError, AttributeError, LookupError):
            return self._legacy_value(text)

    def sender(self) -> tuple[str, str]:
        """The From name and address; Sender or Reply-To when From has none."""
        for name in ("from", "sender", "reply-to"):
            value = self.get(name)
            if not value:
                continue
            found = [(n, a) for n, a in getaddresses([value]) if _ADDRESS.fullmatch(a)]
            if found:
                display, address = found[0]
                return " ".join(display.split()), address.lower()
            loose = _ADDRESS.search(value)  # a broken header: take the address alone
            if loose:
                return "", loose[0].lower()
        return "", ""

    @staticmethod
    def _legacy_value(text: str) -> str:
        try:
            return str(make_header(decode_header(text)))
        except (ValueError, LookupError, UnicodeError):
            return text


def _unescaped(text: str) -> str:
    """Raw 8-bit header bytes (kept as surrogates by the parser) read as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogateescape")
        return charsets.decode_text(raw, "utf-8")
    return text
