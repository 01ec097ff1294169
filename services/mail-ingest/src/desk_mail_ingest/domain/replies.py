"""The new text of a reply: quoted history and signature trimmed.

``mail-parser-reply`` knows the ``On ... wrote:`` lines, ``-----Original
Message-----`` separators, Outlook ``From:/Sent:`` blocks and signatures in many
languages. Around it:

- An RFC 3676 ``-- `` line ends the new text. A bare ``--`` line (its trailing
  space lost on the way) does only when a short signature follows it, since
  writers also use it as a divider within their text.
- Gmail's Spanish, Portuguese, Italian and Dutch history lines (``El ...
  escribió:``, ``Em ... escreveu:``, ``Il ... ha scritto:``, ``Op <date> schreef
  ...:``) and Outlook's Dutch one (``Op <date> heeft ... het volgende
  geschreven:``) end it too, even wrapped over two lines. A Dutch line needs a
  digit (its date) before the verb: ``Op zich ... schreef ik:`` is prose.
- A one-line mobile signature at its end (``Sent from my iPhone``, ``Get Outlook
  for iOS`` and their translations) is dropped.

When nothing is left (a message that is all quote), the whole text is kept rather
than an empty comment.
"""

import logging
import re

from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES

log = logging.getLogger(__name__)

_PARSER = EmailReplyParser(languages=sorted(MAIL_LANGUAGES))
SIGNATURE_LINES = 6
"""A bare ``--`` cuts when at most this many lines follow it."""
_HISTORY = re.compile(
    r"^\s*(?:El\s.{1,200}\sescribió"
    r"|(?:Em|No\s+dia)\s.{1,200}\sescreveu"
    r"|Il\s.{1,200}\sha\s+scritto"
    r"|Op\s[^\d:]{0,40}\d.{0,160}\s(?:schreef\s.{1,200}"
    r"|heeft\s.{1,200}\shet\s+volgende\s+geschreven))\s*:\s*$",
    re.IGNORECASE,
)
_DEVICE = r"[\w-]+(?:\s+[\w-]+){0,4}"  # "iPhone", "Samsung Galaxy smartphone"
# The one-line signatures mobile mail apps append, in the languages we see.
_MOBILE_LINES = (
    "sent from (?:my )?{device}",
    "get outlook for {device}",
    "von meinem {device} gesendet",
    "gesendet von (?:meinem )?{device}",
    "envoyé (?:de|depuis) (?:mon )?{device}",
    "enviado (?:desde mi|do meu|de meu) {device}",
    "inviato da(?:l mio)? {device}",
    "(?:verzonden|verstuurd) (?:met|vanaf) (?:mijn )?{device}",
)
_MOBILE = re.compile(
    r"^\s*(?:"
    + "|".join(p.replace(" ", r"\s+").format(device=_DEVICE) for p in _MOBILE_LINES)
    + r")[.!]?\s*(?:<https?://[^>\s]+>)?\s*$",
    re.IGNORECASE,
)


def latest_reply(text: str) -> str:
    """``text`` without the history it quotes and without its signature."""
    if not text.strip():
        return ""
    own = _before_separator(text)
    try:
        trimmed = _PARSER.parse_reply(own) or ""
    # Isolation: trimming is a nicety; a parser failure keeps the whole text.
    except Exception:
        log.exception("reply trimming failed; the whole text is kept")
        return text.strip()
    lines = _before_history(trimmed.splitlines())
    lines = [line for line in lines if not line.lstrip().startswith(">")]
    lines = _without_mobile_signature(_without_short_signature(lines))
    return "\n".join(lines).strip() or text.strip()


def _before_separator(text: str) -> str:
    """``text`` up to its first RFC 3676 signature separator (``-- `` exactly)."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.rstrip("\r") == "-- ":
            return "\n".join(lines[:index])
    return text


def _before_history(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        joined = f"{line} {lines[index + 1]}" if index + 1 < len(lines) else line
        if _HISTORY.match(line) or _HISTORY.match(joined):
            return lines[:index]
    return lines


def _without_short_signature(lines: list[str]) -> list[str]:
    """``lines`` cut at a bare ``--`` line that only a short signature follows."""
    for index, line in enumerate(lines):
        if line.strip() != "--":
            continue
        if sum(1 for rest in lines[index + 1 :] if rest.strip()) <= SIGNATURE_LINES:
            return lines[:index]
    return lines


def _without_mobile_signature(lines: list[str]) -> list[str]:
    kept = list(lines)
    while kept and not kept[-1].strip():
        kept.pop()
    if kept and _MOBILE.match(kept[-1]):
        kept.pop()
    return kept
