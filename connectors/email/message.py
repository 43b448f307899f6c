"""Building outgoing mail safely: validated addresses, no header injection, allowed domains only."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from email_validator import EmailNotValidError, validate_email

from bot.errors import ActionRejected

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")


class UnsafeEmail(ActionRejected):
    """An address, subject or header value that would let text become headers or reach outsiders."""


def clean_header(value: str, *, what: str) -> str:
    """Refuse CR, LF and other control characters in anything that becomes a header."""
    if _CONTROL.search(value):
        raise UnsafeEmail(f"The {what} contains a line break or control character; I won't send that.")
    return value.strip()


def check_address(value: str, *, allowed_domains: Iterable[str] = ()) -> str:
    """The normalised address, or an error naming what is wrong with it."""
    clean_header(value, what="address")
    try:
        address = validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise UnsafeEmail(f"{value!r} is not a valid email address: {exc}") from None
    allowed = {d.lower().strip() for d in allowed_domains if d.strip()}
    domain = address.rsplit("@", 1)[1].lower()
    if allowed and domain not in allowed:
        raise UnsafeEmail(f"Mail to {domain} is not allowed here (allowed: {', '.join(sorted(allowed))}).")
    return address


def message_id(key: str, sender: str) -> str:
    """A Message-ID fixed by the idempotency key, so a resend is recognisable as the same mail."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    domain = sender.rsplit("@", 1)[-1] or "localhost"
    return f"<{digest}@{domain}>"


def to_message(payload: Mapping[str, Any]) -> EmailMessage:
    """The MIME message of an outbox payload (plain text, plus HTML when present).

    ``EmailMessage`` refuses CR/LF in header values too: a second line of defence.
    """
    msg = EmailMessage()
    msg["From"] = clean_header(payload["from"], what="sender")
    msg["To"] = ", ".join(clean_header(a, what="address") for a in payload["to"])
    msg["Subject"] = clean_header(payload["subject"], what="subject")
    msg["Message-ID"] = clean_header(payload["message_id"], what="Message-ID")
    msg["Date"] = formatdate(payload.get("date"), usegmt=True) if payload.get("date") else formatdate(usegmt=True)
    msg.set_content(payload["text"])
    if payload.get("html"):
        msg.add_alternative(payload["html"], subtype="html")
    return msg
