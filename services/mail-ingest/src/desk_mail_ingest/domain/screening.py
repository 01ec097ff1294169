"""Which messages must never become tickets: automatic mail, bounces, our own mail.

Decisions, so that the desk neither loops nor files noise:

- ``Auto-Submitted`` other than ``no`` (RFC 3834; comments do not count),
  ``Precedence: bulk|list|junk``, ``X-Autoreply``, ``X-Autorespond`` and
  ``X-Auto-Response-Suppress`` mark automatic mail (the last is what Exchange puts
  on its own automatic replies).
- ``List-Unsubscribe`` marks newsletters and marketing. ``List-Id`` alone does not:
  a support alias run as a Google or Microsoft group stamps it on every message.
- A bounce is a delivery report or read receipt (a ``multipart/report``, or a
  ``message/delivery-status`` part, anywhere in the message but inside an attached
  message), a message with ``X-Failed-Recipients``, with an empty envelope sender
  (``MAIL FROM:<>``, ``Return-Path: <>``), or from ``MAILER-DAEMON`` or
  ``postmaster`` (with or without a domain).
- A message whose own Message-ID is one the desk made is our mail coming back.
"""

import re

from helpdesk_contracts.mail.threading import is_desk_message_id

from desk_mail_ingest.domain.parsing import ParsedMail

_BULK = {"bulk", "list", "junk"}
_DAEMONS = {"mailer-daemon", "postmaster"}
_COMMENT = re.compile(r"\([^()]*\)")


def ignore_reason(mail: ParsedMail, envelope_sender: str | None) -> str | None:
    """Why ``mail`` must not reach the desk, or ``None`` when it may."""
    return _bounce(mail, envelope_sender) or _automatic(mail) or _ours(mail)


def _bounce(mail: ParsedMail, envelope_sender: str | None) -> str | None:
    if mail.report_type is not None:
        return f"bounce: {mail.report_type} report"
    if "x-failed-recipients" in mail.headers:
        return "bounce: x-failed-recipients present"
    if envelope_sender is not None and envelope_sender.strip("<> ") == "":
        return "bounce: empty envelope sender"
    if mail.headers.get("return-path", "x").strip() == "<>":
        return "bounce: empty return path"
    sender = mail.from_mailbox or mail.from_address
    if sender.split("@")[0] in _DAEMONS:
        return f"bounce: from {sender}"
    return None


def _automatic(mail: ParsedMail) -> str | None:
    headers = mail.headers
    submitted = _uncommented(headers.get("auto-submitted", "")).lower()
    if submitted and submitted.split(";")[0].strip() != "no":
        return f"automatic: Auto-Submitted {submitted}"
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in _BULK:
        return f"automatic: Precedence {precedence}"
    for name in ("x-autoreply", "x-autorespond", "x-auto-response-suppress"):
        if name in headers:
            return f"automatic: {name} present"
    if "list-unsubscribe" in headers:
        return "automatic: list-unsubscribe present (newsletter)"
    return None


def _uncommented(value: str) -> str:
    """``value`` without its RFC 5322 comments (nested ones too)."""
    while True:
        stripped = _COMMENT.sub(" ", value)
        if stripped == value:
            return " ".join(value.split())
        value = stripped


def _ours(mail: ParsedMail) -> str | None:
    if is_desk_message_id(mail.message_id):
        return "loop: the desk's own message"
    return None
