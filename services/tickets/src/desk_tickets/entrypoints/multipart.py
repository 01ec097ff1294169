"""``multipart/form-data`` read as it arrives, one part after the other.

python-multipart parses; this turns its callbacks into parts whose bytes are
pulled from the request body only as the reader asks for them, so a file goes
to its store without ever being held whole.
"""

from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

MAX_FIELD_BYTES = 1024


class InvalidForm(ValueError):
    """The body is not the multipart form it claims to be."""


@dataclass
class Part:
    name: str
    filename: str | None
    _reader: "MultipartReader" = field(repr=False)
    _done: bool = False

    async def chunks(self) -> AsyncIterator[bytes]:
        """The part's bytes, as they arrive."""
        while not self._done:
            kind, data = await self._reader.next_event()
            if kind == "data":
                yield data
            elif kind == "part_end":
                self._done = True
            else:
                raise InvalidForm("the body ended inside a part")

    async def text(self) -> str:
        """A plain field's value, refused past ``MAX_FIELD_BYTES``."""
        value = bytearray()
        async for chunk in self.chunks():
            value += chunk
            if len(value) > MAX_FIELD_BYTES:
                raise InvalidForm(f"the field {self.name!r} is too long")
        return value.decode(errors="replace")


class MultipartReader:
    def __init__(self, content_type: str, body: AsyncIterator[bytes]) -> None:
        kind, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise InvalidForm("send the files as multipart/form-data")
        self._body = body
        self._events: deque[tuple[str, Any]] = deque()
        self._headers: list[tuple[bytes, bytes]] = []
        self._field = b""
        self._value = b""
        self._finished = False
        self._parser = MultipartParser(
            boundary,
            {
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
            },
        )

    async def parts(self) -> AsyncIterator[Part]:
        """Each part in turn; a part's bytes must be read before the next."""
        current: Part | None = None
        while True:
            if current is not None and not current._done:
                async for _ in current.chunks():
                    pass  # the caller left the part unread: skip it
            kind, data = await self.next_event()
            if kind == "end":
                return
            if kind != "headers":
                raise InvalidForm("a part began without headers")
            current = self._part(data)
            yield current

    async def drain(self, limit: int) -> None:
        """Read and drop what is left of the body, up to ``limit`` bytes.

        Answering before the client has sent its body makes most clients fail with
        a broken connection instead of reading the answer.
        """
        seen = 0
        async for chunk in self._body:
            seen += len(chunk)
            if seen > limit:
                return

    async def next_event(self) -> tuple[str, Any]:
        while not self._events:
            if self._finished:
                return "end", b""
            chunk = await anext(self._body, None)
            try:
                if chunk is None:
                    self._parser.finalize()
                    self._finished = True
                else:
                    self._parser.write(chunk)
            except MultipartParseError as error:
                raise InvalidForm(f"malformed multipart body: {error}") from error
        return self._events.popleft()

    def _part(self, headers: dict[bytes, bytes]) -> Part:
        disposition = headers.get(b"content-disposition", b"")
        _, options = parse_options_header(disposition)
        name = options.get(b"name", b"").decode(errors="replace")
        filename = options.get(b"filename")
        decoded = None if filename is None else _unescaped(filename)
        return Part(name=name, filename=decoded, _reader=self)

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _on_header_end(self) -> None:
        self._headers.append((self._field.lower(), self._value))
        self._field = self._value = b""

    def _on_headers_finished(self) -> None:
        self._events.append(("headers", dict(self._headers)))
        self._headers = []

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        self._events.append(("data", bytes(data[start:end])))

    def _on_part_end(self) -> None:
        self._events.append(("part_end", b""))


def _unescaped(filename: bytes) -> str:
    """The name a browser meant: the HTML form encoding escapes only these three."""
    name = filename.decode(errors="replace")
    return name.replace("%22", '"').replace("%0D", "\r").replace("%0A", "\n")
