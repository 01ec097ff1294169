"""Plain text sent ``format=flowed`` (RFC 3676) joined back into its paragraphs.

A flowed line ends with a space: the sender's client wrapped it there, and it
joins the next line of the same quote depth. With ``DelSp=yes`` that space was
added for the wrapping and goes; otherwise it stays between the words. A space
after the quote marks is stuffing and goes; ``-- `` (the signature separator) is
never flowed. A flowed line before a line of another quote depth (or at the end)
ends its paragraph there, without the trailing space.
"""

import re

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
SIGNATURE_SEPARATOR = "-- "


def unflowed(text: str, *, delsp: bool) -> str:
    """``text`` with its flowed lines joined, quotes written ``> `` per depth."""
    lines: list[str] = []
    paragraph: str | None = None
    paragraph_depth = 0
    for line in _LINE_BREAK.split(text):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:].removeprefix(" ")
        flowed = content.endswith(" ") and content != SIGNATURE_SEPARATOR
        if flowed and delsp:
            content = content[:-1]
        if paragraph is not None and depth == paragraph_depth:
            content = paragraph + content
        elif paragraph is not None:
            lines.append(_quoted(paragraph.rstrip(" "), paragraph_depth))
        paragraph = content if flowed else None
        paragraph_depth = depth
        if not flowed:
            lines.append(_quoted(content, depth))
    if paragraph is not None:
        lines.append(_quoted(paragraph.rstrip(" "), paragraph_depth))
    return "\n".join(lines)


def _quoted(text: str, depth: int) -> str:
    return ">" * depth + (f" {text}" if depth and text else text)
