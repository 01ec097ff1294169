"""Decoding text in whatever charset a message claims, without ever raising."""

import codecs

_LATIN1_FILL = "desk-latin1-fill"


def _latin1_fill(error: UnicodeError) -> tuple[str, int]:
    """A codec error handler: the bytes a codec cannot map, read as Latin-1."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


# Windows-1252 leaves five bytes undefined; browsers read them as the Latin-1
# controls, so undeclared 8-bit text always decodes, and decodes without loss.
codecs.register_error(_LATIN1_FILL, _latin1_fill)

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


def decode_8bit(data: bytes) -> str:
    """Undeclared 8-bit bytes as text: UTF-8 when they are valid UTF-8, else cp1252."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", _LATIN1_FILL)


def unescaped(text: str) -> str:
    """``text`` with the raw bytes a parser kept as surrogates decoded as 8-bit text."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _redecoded(text)
    return text


def _redecoded(text: str) -> str:
    try:
        return decode_8bit(text.encode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:  # a surrogate that stands for no byte: drop it
        return text.encode("utf-8", "replace").decode("utf-8")
