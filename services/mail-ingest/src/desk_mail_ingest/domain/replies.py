"""The new text of a reply: quoted history and signature trimmed.

``mail-parser-reply`` knows the ``On ... wrote:`` lines, ``-----Original
Message-----`` separators, Outlook ``From:/Sent:`` blocks and signatures in many
languages; when it finds nothing left (a message that is all quote), the whole text
is kept rather than an empty comment.
"""

import logging

from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES

log = logging.getLogger(__name__)

_PARSER = EmailReplyParser(languages=sorted(MAIL_LANGUAGES))


def latest_reply(text: str) -> str:
    """``text`` without the history it quotes and without its signature."""
    if not text.strip():
        return ""
    try:
        trimmed = _PARSER.parse_reply(text) or ""
    # Isolation: trimming is a nicety; a parser failure keeps the whole text.
    except Exception:
        log.exception("reply trimming failed; the whole text is kept")
        return text.strip()
    lines: list[str] = []
    for line in trimmed.splitlines():
        if line.strip() == "--":  # the "-- " signature separator (RFC 3676)
            break
        if not line.lstrip().startswith(">"):
            lines.append(line)
    return "\n".join(lines).strip() or text.strip()
