"""What a message carries besides its text."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    """A file carried by the message: attachment, inline image or embedded mail."""

    filename: str
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str | None = None
