"""The text of an RTF message body, as Outlook puts it in ``winmail.dat``.

Outlook stores the body as compressed RTF (MS-OXRTFCP), which ``tnefparse`` hands
over still compressed unless the optional ``compressed_rtf`` package is present,
so it is decompressed here. The RTF is then read as text: mail that was written as
HTML or plain text carries the original inside the RTF (MS-OXRTFEX,
``\\fromhtml1`` and ``\\fromtext``), which is taken out; other RTF is read for its
visible text, skipping font tables, pictures and other destinations.
"""

import re
from dataclasses import dataclass, field

from desk_mail_ingest.domain.charsets import decode_text

_LZFU = b"LZFu"
_MELA = b"MELA"
_DICTIONARY = (
    b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss "
    b"\\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier"
    b"{\\colortbl\\red0\\green0\\blue0\r\n"
    b"\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"
)
MAX_RTF_BYTES = 4 * 1024 * 1024
"""Decompression stops there: a body is never that long, a crafted stream may be."""
_MAX_DEPTH = 256  # deeper groups are read as one: real RTF nests a dozen deep

_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?"  # a control word and its parameter
    rb"|\\'([0-9a-fA-F]{2})"  # a byte in the document's code page
    rb"|\\([^a-zA-Z'])"  # a control symbol
    rb"|([{}])"
    rb"|[\r\n]+"  # line breaks in the source mean nothing
    rb"|([^\\{}\r\n]+)",
    re.DOTALL,
)
_SKIPPED = frozenset(
    b"fonttbl colortbl stylesheet info pict object header headerl headerr headerf "
    b"footer footerl footerr footerf fldinst listtable listoverridetable rsidtbl "
    b"generator xmlnstbl themedata colorschememapping datastore latentstyles "
    b"filetbl revtbl mhtmltag bkmkstart bkmkend".split()
)
_SYMBOLS = {
    b"par": "\n",
    b"line": "\n",
    b"sect": "\n",
    b"page": "\n",
    b"row": "\n",
    b"tab": "\t",
    b"cell": "\t",
    b"emdash": "\u2014",
    b"endash": "\u2013",
    b"bullet": "\u2022",
    b"lquote": "\u2018",
    b"rquote": "\u2019",
    b"ldblquote": "\u201c",
    b"rdblquote": "\u201d",
    b"~": "\u00a0",
    b"_": "\u2011",
    b"-": "",
}


def decompressed(data: bytes) -> bytes | None:
    """The RTF of a compressed-RTF stream (or RTF as is); ``None`` if neither."""
    if data.lstrip().startswith(b"{\\rtf"):
        return data
    if len(data) < 16 or data[8:12] not in (_LZFU, _MELA):
        return None
    raw_size = int.from_bytes(data[4:8], "little")
    if data[8:12] == _MELA:
        return data[16 : 16 + raw_size]
    return _lzfu(data[16:], min(raw_size or MAX_RTF_BYTES, MAX_RTF_BYTES))


def _lzfu(data: bytes, limit: int) -> bytes:
    """MS-OXRTFCP: LZ77 over a 4 kB ring that starts with common RTF."""
    ring = bytearray(4096)
    ring[: len(_DICTIONARY)] = _DICTIONARY
    write = len(_DICTIONARY)
    out = bytearray()
    pos = 0
    while pos < len(data) and len(out) < limit:
        control, pos = data[pos], pos + 1
        for bit in range(8):
            if pos >= len(data):
                break
            if not control >> bit & 1:
                ring[write], write = data[pos], (write + 1) % 4096
                out.append(data[pos])
                pos += 1
                continue
            if pos + 2 > len(data):
                return bytes(out)
            word, pos = int.from_bytes(data[pos : pos + 2], "big"), pos + 2
            offset, length = word >> 4, (word & 0xF) + 2
            if offset == write:  # the reference to the write position ends it
                return bytes(out[:limit])
            for step in range(length):
                byte = ring[(offset + step) % 4096]
                ring[write], write = byte, (write + 1) % 4096
                out.append(byte)
    return bytes(out[:limit])


@dataclass(frozen=True)
class RtfText:
    text: str
    html: bool
    """Whether ``text`` is the HTML the RTF encapsulated, still to be read as text."""


def rtf_to_text(rtf: bytes) -> RtfText:
    """The readable text of ``rtf``, or the HTML it encapsulates."""
    reader = _Reader()
    reader.read(rtf)
    return RtfText(reader.text(), reader.mode == "html")


@dataclass
class _Group:
    skip: bool = False
    suppressed: bool = False  # inside \htmlrtf: RTF-only in encapsulated mail
    tag: bool = False  # inside \htmltag: original HTML in encapsulated mail
    unicode_skip: int = 1


@dataclass
class _Reader:
    mode: str = "rtf"
    codepage: str = "cp1252"
    stack: list[_Group] = field(default_factory=lambda: [_Group()])
    pieces: list[str] = field(default_factory=list)
    pending: bytearray = field(default_factory=bytearray)
    to_skip: int = 0  # fallback characters still to skip after a \uN
    unopened: int = 0  # groups past _MAX_DEPTH, read as the one around them

    def read(self, rtf: bytes) -> None:
        pos = 0
        starred = False
        while pos < len(rtf):
            token = _TOKEN.match(rtf, pos)
            if token is None:  # a lone backslash at the end
                break
            pos = token.end()
            word, param, hexbyte, symbol, brace, run = token.groups()
            if word == b"bin" and param:  # binary data: skip its bytes unread
                pos += max(int(param), 0)
            elif brace:
                self._brace(brace)
            elif symbol == b"*":
                starred = True
                continue
            elif word:
                self._word(word, int(param) if param else None, starred)
            elif symbol:
                self._symbol(symbol)
            elif hexbyte:
                self._bytes(bytes([int(hexbyte, 16)]))
            elif run:
                self._bytes(run)
            starred = False

    def text(self) -> str:
        self._flush()
        text = "".join(self.pieces)
        # \uN spells characters beyond the BMP as UTF-16 surrogate pairs.
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")

    @property
    def _top(self) -> _Group:
        return self.stack[-1]

    def _visible(self) -> bool:
        top = self._top
        return not top.skip and (top.tag or not top.suppressed)

    def _brace(self, brace: bytes) -> None:
        self._flush()
        if brace == b"{" and len(self.stack) >= _MAX_DEPTH:
            self.unopened += 1
        elif brace == b"{":
            top = self._top
            self.stack.append(
                _Group(top.skip, top.suppressed, top.tag, top.unicode_skip)
            )
        elif self.unopened:
            self.unopened -= 1
        elif len(self.stack) > 1:
            self.stack.pop()

    def _word(self, word: bytes, param: int | None, starred: bool) -> None:
        top = self._top
        if word == b"htmltag" and self.mode == "html":
            top.tag = True
        elif starred or word in _SKIPPED:
            self._flush()
            top.skip = True
        elif word == b"fromhtml":
            self.mode = "html"
        elif word == b"fromtext":
            self.mode = "text"
        elif word == b"htmlrtf":
            self._flush()
            top.suppressed = param != 0
        elif word == b"ansicpg" and param:
            self.codepage = f"cp{param}"
        elif word == b"uc" and param is not None:
            top.unicode_skip = max(param, 0)
        elif word == b"u" and param is not None:
            self._unicode(param)
        elif word in _SYMBOLS:
            self._emit(_SYMBOLS[word])

    def _symbol(self, symbol: bytes) -> None:
        if symbol in (b"\\", b"{", b"}"):
            self._bytes(symbol)
        elif symbol in _SYMBOLS:
            self._emit(_SYMBOLS[symbol])

    def _unicode(self, value: int) -> None:
        code = value + 65536 if value < 0 else value
        self._emit(chr(code) if 0 <= code <= 0xFFFF else "\ufffd")
        self.to_skip = self._top.unicode_skip

    def _bytes(self, data: bytes) -> None:
        if self.to_skip:
            skipped = min(self.to_skip, len(data))
            self.to_skip -= skipped
            data = data[skipped:]
        if data and self._visible():
            self.pending += data

    def _emit(self, text: str) -> None:
        self.to_skip = 0
        if self._visible():
            self._flush()
            self.pieces.append(text)

    def _flush(self) -> None:
        if self.pending:
            self.pieces.append(decode_text(bytes(self.pending), self.codepage))
            self.pending.clear()
