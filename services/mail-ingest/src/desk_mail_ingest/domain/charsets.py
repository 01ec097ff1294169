"""Decoding text in whatever charset a message claims, without ever raising."""

import codecs

_CHARSET_ALIASES = {
    # Mail labelled Latin-1 is nearly always Windows-1252 (as browsers assume).
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
}


def decode_text(data: bytes, charset: str | None) -> str:
    """``data`` as text in ``charset``; unknown charsets and bad bytes never raise."""
    name = (charset or "utf-8").strip().strip('"').lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        codecs.lookup(name)
    except LookupError:
        name = "utf-8"
    try:
        return data.decode(name)
    except UnicodeDecodeError:
        if name != "utf-8":
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                pass
        return data.decode(name, errors="replace")
