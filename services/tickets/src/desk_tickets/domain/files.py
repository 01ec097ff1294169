"""Uploaded files: the names they are kept under and the types their bytes show."""

import posixpath
import re
import unicodedata

import puremagic

FALLBACK_NAME = "attachment"
MAX_NAME_BYTES = 255
SNIFF_BYTES = 8192
"""How much of a file's start is read to name its type."""

# Characters Windows refuses in names, and the unprintable ones of every script:
# controls (Cc), invisible format marks (Cf, such as the right-to-left override
# that disguises "photo\u202egpj.exe") and line or paragraph separators.
_RESERVED = re.compile(r'[<>:"|?*\\]')
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}
_WINDOWS_DEVICES = re.compile(r"(?i)(con|prn|aux|nul|com\d|lpt\d)(\..*)?")

OCTET_STREAM = "application/octet-stream"
TEXT = "text/plain"
ZIP = "application/zip"
IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
"""The image types thumbnails are made of."""


def sanitise_filename(given: str | None) -> str:
    """A name safe to store and to offer for download, whatever the client sent.

    Keeps the last path part only, removes unprintable characters and those that
    filesystems refuse, and shortens it to 255 bytes, keeping the extension.
    """
    name = unicodedata.normalize("NFC", given or "").replace("\\", "/")
    name = posixpath.basename(name)
    name = "".join(c for c in name if unicodedata.category(c) not in _HIDDEN_CATEGORIES)
    name = _RESERVED.sub("_", name).strip().strip(".").strip()
    if not name:
        return FALLBACK_NAME
    if _WINDOWS_DEVICES.fullmatch(name):
        name = f"_{name}"
    return _shortened(name)


def _shortened(name: str) -> str:
    if len(name.encode()) <= MAX_NAME_BYTES:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 16:
        stem, extension = name, ""
    suffix = f".{extension}" if extension else ""
    budget = MAX_NAME_BYTES - len(suffix.encode())
    short = stem.encode()[:budget].decode(errors="ignore").rstrip()
    return f"{short}{suffix}"


def sniff_content_type(head: bytes, filename: str = "") -> str:
    """The media type the first bytes of a file show; the client's word is not used.

    When the bytes fit several types equally well (a ZIP may be a .docx or .xlsx),
    the file name's extension picks among those, never beyond them; failing that, a
    ZIP stays a ZIP and others take puremagic's first guess. Unknown binary
    content is ``application/octet-stream``; UTF-8 text without NULs ``text/plain``.
    """
    candidates = _best_matches(head[:SNIFF_BYTES])
    if len(candidates) == 1:
        return next(iter(candidates.values()))
    extension = posixpath.splitext(filename.lower())[1]
    if extension in candidates:
        return candidates[extension]
    if head.startswith(b"PK\x03\x04"):
        return ZIP
    if candidates:
        return next(iter(candidates.values()))  # puremagic lists the likeliest first
    return TEXT if _looks_like_text(head[:SNIFF_BYTES]) else OCTET_STREAM


def _best_matches(head: bytes) -> dict[str, str]:
    """Extension to media type, for the matches of the highest confidence."""
    if not head:
        return {}
    try:
        matches = [m for m in puremagic.magic_string(head) if m.mime_type]
    except (puremagic.PureError, ValueError):
        return {}
    if not matches:
        return {}
    best = max(m.confidence for m in matches)
    top = [m for m in matches if m.confidence == best]
    if len({m.mime_type for m in top}) == 1:
        return {top[0].extension: str(top[0].mime_type)}
    return {str(m.extension): str(m.mime_type) for m in top}


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode()
    except UnicodeDecodeError as error:
        # The sample may end inside a multi-byte character.
        return error.start >= len(head) - 3 and error.reason == "unexpected end of data"
    return True
