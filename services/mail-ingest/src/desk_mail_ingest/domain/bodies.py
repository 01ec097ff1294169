"""Walking a message's MIME tree: the text to show, and the files it carries.

Plain text wins over HTML within an alternative; HTML becomes text (``inscriptis``)
when it is all there is, read in the charset its ``<meta>`` declares when the MIME
header names none. ``format=flowed`` text is unwrapped (``flowed``). TNEF
(``winmail.dat``) is unpacked with ``tnefparse``, its body read from plain text,
HTML or compressed RTF (``rtf``), its files typed by their names (``mimetypes``);
an attached message stays whole, as an ``.eml`` file. A message with no body text
takes the text of a named inline text part, else of an attached message. A
multipart the parser could not split is split at the boundary its body uses, or
read as text (``repairs``).
"""

import logging
import mimetypes
import re
from dataclasses import dataclass, field
from email.message import Message

from inscriptis import get_text
from tnefparse import TNEF

from desk_mail_ingest.domain import encoded_words, repairs
from desk_mail_ingest.domain.charsets import decode_text
from desk_mail_ingest.domain.flowed import unflowed
from desk_mail_ingest.domain.model import Part
from desk_mail_ingest.domain.rtf import decompressed, rtf_to_text

log = logging.getLogger(__name__)

_TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
_TEXT_TYPES = ("text/plain", "text/html")
_UNSAFE_FILENAME = re.compile(r"[\x00-\x1f/\\]+")
# <meta charset="x"> and <meta http-equiv="Content-Type" content="...; charset=x">
_META_CHARSET = re.compile(
    rb"<meta\s[^>]{0,300}?charset\s*=\s*[\"']?\s*([a-z0-9_.:+-]{1,40})", re.IGNORECASE
)
META_SCAN_BYTES = 8192
"""How far into an HTML part its ``<meta>`` charset is looked for."""


@dataclass
class Found:
    texts: list[str] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    spare: list[Message] = field(default_factory=list)
    """Named inline text parts and attached messages: the text when none else is."""

    @property
    def text(self) -> str:
        return "\n\n".join(t.strip("\n") for t in self.texts if t.strip()).strip()


def collect(message: Message) -> Found:
    found = Found()
    _walk(message, found)
    if not found.text:
        _take_spare_text(found)
    return found


def _take_spare_text(found: Found) -> None:
    """The text of a named inline part, else of an attached message, as the body."""
    messages = [p for p in found.spare if p.get_content_maintype() == "message"]
    for part in [p for p in found.spare if p not in messages] + messages:
        if part.get_content_maintype() == "message":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            text = collect(inner).text if isinstance(inner, Message) else ""
        else:
            text = _text_of(part, part.get_content_type())
        if text.strip():
            found.texts.append(text)
            return


def _walk(part: Message, found: Found) -> None:
    kind = part.get_content_type()
    if kind in ("message/rfc822", "message/global"):
        found.parts.append(_embedded_message(part))
        found.spare.append(part)
        return
    if part.is_multipart():
        if kind == "multipart/alternative":
            _walk_alternative(part, found)
            return
        for sub in _subparts(part):
            _walk(sub, found)
        return
    if kind.startswith("multipart/"):
        _walk_unsplit(part, found)
        return
    filename = _filename(part)
    if kind in _TNEF_TYPES or (filename or "").lower() == "winmail.dat":
        _unpack_tnef(part, found)
        return
    if _is_body_text(part, kind, filename):
        found.texts.append(_text_of(part, kind))
        return
    if kind in _TEXT_TYPES and part.get_content_disposition() != "attachment":
        found.spare.append(part)
    found.parts.append(_file(part, kind, filename, len(found.parts)))


def _subparts(part: Message) -> list[Message]:
    payload = part.get_payload()
    return (
        [p for p in payload if isinstance(p, Message)]
        if isinstance(payload, list)
        else []
    )


def _walk_unsplit(part: Message, found: Found) -> None:
    """A multipart the parser could not split (its boundary missing or wrong)."""
    data = _payload(part)
    split = repairs.split_at_guessed_boundary(part, data)
    if split is not None:
        _walk(split, found)
        return
    text = decode_text(data, _charset(part))
    found.texts.append(_readable(text, html=repairs.looks_like_html(text)))


def _walk_alternative(part: Message, found: Found) -> None:
    """The text of the plainest option; the files (inline images) of every option."""
    options = []
    for sub in _subparts(part):
        option = Found()
        _walk(sub, option)
        options.append((sub.get_content_type() != "text/plain", option))
    with_text = [(rank, o) for rank, o in options if o.text]
    if with_text:
        found.texts.append(min(with_text, key=lambda pair: pair[0])[1].text)
    for _, option in options:
        found.parts.extend(option.parts)
        found.spare.extend(option.spare)


def _is_body_text(part: Message, kind: str, filename: str | None) -> bool:
    if kind not in _TEXT_TYPES:
        return False
    return part.get_content_disposition() != "attachment" and filename is None


def _payload(part: Message) -> bytes:
    if str(part.get("content-transfer-encoding", "")).strip().lower() == "base64":
        encoded = part.get_payload()
        if isinstance(encoded, str):
            return repairs.decoded_base64(encoded)
    try:
        data = part.get_payload(decode=True)
    # A broken transfer encoding: keep the undecoded text rather than nothing.
    except (ValueError, TypeError):
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "replace") if isinstance(raw, str) else b""


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except (ValueError, LookupError, TypeError):
        return None


def _text_of(part: Message, kind: str) -> str:
    data, charset = _payload(part), _charset(part)
    if charset is None and kind == "text/html":
        charset = _meta_charset(data)
    text = decode_text(data, charset)
    if kind == "text/plain" and _param(part, "format") == "flowed":
        text = unflowed(text, delsp=_param(part, "delsp") == "yes")
    return _readable(text, html=kind == "text/html")


def _param(part: Message, name: str) -> str:
    """A ``Content-Type`` parameter's value, lower-cased; empty when absent."""
    value = part.get_param(name)
    return value.strip().lower() if isinstance(value, str) else ""


def _meta_charset(html: bytes) -> str | None:
    """The charset an HTML document declares in ``<meta>`` (either form), if any."""
    found = _META_CHARSET.search(html, 0, META_SCAN_BYTES)
    return found[1].decode("ascii") if found else None


def _readable(text: str, *, html: bool) -> str:
    """Body text as the desk keeps it: no NULs, no markup, ``\\n`` line ends."""
    text = text.replace("\x00", "")
    if html:
        text = html_to_text(text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def html_to_text(html: str) -> str:
    if not html.strip():
        return ""
    try:
        return str(get_text(html))
    # lxml refuses some documents (only comments, encoding declarations in str).
    except ValueError:
        return re.sub(r"<[^>]+>", " ", html)


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except (ValueError, LookupError, TypeError, IndexError):
        return "attachment"
    if name is None:
        return None
    name = str(name)
    if "=?" in name:  # RFC 2047 words in a filename: against the rules, yet common
        name = encoded_words.decoded(name)
    cleaned = _UNSAFE_FILENAME.sub("_", name).strip(" .")
    return cleaned[:200] or "attachment"


def _content_id(part: Message) -> str | None:
    try:
        value = part.get("content-id")
    except (ValueError, IndexError, TypeError):
        return None
    return str(value).strip().strip("<>") or None if value else None


def _file(part: Message, kind: str, filename: str | None, index: int) -> Part:
    content_id = _content_id(part)
    inline = part.get_content_disposition() == "inline" or (
        content_id is not None and part.get_content_disposition() != "attachment"
    )
    extension = kind.split("/")[-1].split("+")[0][:10] or "bin"
    return Part(
        filename=filename or f"part-{index + 1}.{extension}",
        content_type=kind,
        data=_payload(part),
        inline=inline,
        content_id=content_id,
    )


def _embedded_message(part: Message) -> Part:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if isinstance(inner, Message):
        data = inner.as_bytes()
        subject = str(inner.get("subject") or "").strip()
    else:
        data, subject = _payload(part), ""
    name = _UNSAFE_FILENAME.sub("_", subject)[:100].strip(" .") or "message"
    return Part(f"{name}.eml", "message/rfc822", data)


def _unpack_tnef(part: Message, found: Found) -> None:
    data = _payload(part)
    try:
        tnef = TNEF(data)
    # tnefparse raises plain errors on truncated or foreign data: keep it as a file.
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        log.info("winmail.dat not readable as TNEF, kept as is: %r", exc)
        found.parts.append(Part("winmail.dat", "application/ms-tnef", data))
        return
    body = _tnef_text(tnef)
    if body:
        found.texts.append(body.replace("\x00", ""))
    for attachment in tnef.attachments:
        name = _as_str(attachment.long_filename() or attachment.name or "attachment")
        filename = _UNSAFE_FILENAME.sub("_", name)[:200] or "attachment"
        found.parts.append(
            Part(filename, _guessed_type(filename), bytes(attachment.data))
        )


def _guessed_type(filename: str) -> str:
    """The type a file's name suggests; TNEF records a file's name, not its type."""
    guessed, _ = mimetypes.guess_type(filename, strict=False)
    return guessed or "application/octet-stream"


def _tnef_text(tnef: TNEF) -> str:
    """The body TNEF carries: plain text, else HTML, else RTF (Outlook's usual)."""
    if tnef.body:
        return _as_str(tnef.body)
    if tnef.htmlbody:
        return html_to_text(_as_str(tnef.htmlbody))
    rtf = tnef.rtfbody and decompressed(tnef.rtfbody)
    if not rtf:
        return ""
    found = rtf_to_text(rtf)
    return html_to_text(found.text) if found.html else found.text


def _as_str(value: str | bytes) -> str:
    if isinstance(value, bytes):
        return decode_text(value, "cp1252")
    return value
