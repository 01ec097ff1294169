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

# Labels clients put on mail, mapped to the codec that reads what they really
# send: a superset where one exists (as browsers read them), or Python's name.
_ALIASES = {
    # Mail labelled Latin-1 is nearly always Windows-1252.
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "cp936": "gb18030",
    "windows-874": "cp874",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "x-sjis": "shift_jis",
    "sjis": "shift_jis",
    "windows-31j": "cp932",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-8-e": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "iso-8859-6-e": "iso-8859-6",
    "x-mac-roman": "mac_roman",
    "x-mac-ce": "mac_latin2",
    "x-mac-cyrillic": "mac_cyrillic",
    "x-mac-greek": "mac_greek",
    "x-mac-turkish": "mac_turkish",
    "x-mac-icelandic": "mac_iceland",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601-1989": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "euc-kr": "cp949",
    "windows-949": "cp949",
    "big5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "x-euc-jp": "euc_jp",
    "unicode-1-1-utf-8": "utf-8",
}

# Where a codec maps a few characters differently from its vendor superset, the
# label is read strictly first and the superset tried before giving up.
_WIDER = {"shift_jis": "cp932"}

# Labels that say nothing about the bytes: read as undeclared 8-bit text.
_UNDECLARED = frozenset(
    {
        "us-ascii",
        "ascii",
        "us",
        "ansi_x3.4-1968",
        "x-unknown",
        "unknown",
        "unknown-8bit",
    }
)


def decode_text(data: bytes, charset: str | None) -> str:
    """``data`` as text in ``charset``; unknown charsets and bad bytes never raise.

    Without a usable charset (none, ``us-ascii``, or a name no codec knows) the
    bytes are read as UTF-8 when valid, else as Windows-1252. A declared charset
    the bytes do not fit is tried as its superset and as UTF-8 before characters
    are replaced.
    """
    codec = _codec(charset)
    if codec is None:
        return decode_8bit(data)
    wider = _WIDER.get(codec)
    for name in (codec, *([wider] if wider else []), "utf-8"):
        try:
            return data.decode(name)
        except UnicodeDecodeError:
            continue
        except LookupError:  # a bytes-to-bytes codec (base64, zlib): no charset
            return decode_8bit(data)
    if codec == "cp1252":
        return data.decode(codec, _LATIN1_FILL)
    return data.decode(wider or codec, errors="replace")


def _codec(charset: str | None) -> str | None:
    """The codec to read a declared ``charset`` with; ``None`` when it tells nothing."""
    label = (charset or "").strip().strip("\"'; ").lower()
    if not label or label in _UNDECLARED:
        return None
    try:
        return codecs.lookup(_ALIASES.get(label, label)).name
    except LookupError:
        return None


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
