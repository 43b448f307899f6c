"""Reading a direct answer to a question the bot asked ("Who should approve it?").

The answer fills exactly one known argument, so this is value parsing, not
intent understanding: strip platform mention markup, read numbers the way
actions.md normalises them, and let the argument model validate the result.
"""

from __future__ import annotations

import re
from typing import Any

from bot.models import Message

_SLACK_MENTION = re.compile(r"^<@([A-Z0-9]+)(?:\|[^>]*)?>$")
_TEAMS_MENTION = re.compile(r"^<at>(.+?)</at>$", re.IGNORECASE)
_AT_NAME = re.compile(r"^@([\w.\-]+)$")
_EMAIL = re.compile(r"^<?mailto:([^|>]+)(?:\|[^>]*)?>?$|^([^@\s]+@[^@\s]+\.[^@\s]+)$", re.IGNORECASE)
_AMOUNT = re.compile(r"^([$€£])?\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*([kKmM])?\s*([A-Za-z]{3})?$")
_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP"}
_LIST_SPLIT = re.compile(r"\s*(?:,|\band\b|;)\s*")


def person(text: str) -> str:
    """A person as actions.md writes them: mention id, display name, or lower-cased email."""
    value = text.strip().strip(".!?")
    for pattern in (_SLACK_MENTION, _TEAMS_MENTION, _AT_NAME):
        match = pattern.match(value)
        if match:
            return match.group(1).strip()
    match = _EMAIL.match(value)
    if match:
        return (match.group(1) or match.group(2)).strip().lower()
    return value


def amount(text: str) -> tuple[float | None, str | None]:
    """``"$1.2k"`` -> ``(1200, "USD")``; ``(None, None)`` when the text is not an amount."""
    match = _AMOUNT.match(text.strip())
    if not match:
        return None, None
    symbol, digits, scale, code = match.groups()
    value = float(digits.replace(",", ""))
    value *= {"k": 1_000, "m": 1_000_000}.get((scale or "").lower(), 1)
    currency = _SYMBOLS.get(symbol or "") or (code.upper() if code else None)
    return (int(value) if value.is_integer() else value), currency


def answer_value(field: str, annotation: Any, message: Message) -> Any:
    """The value an answer gives for ``field``, shaped for its type (validation follows)."""
    text = message.text.strip()
    if field in {"approver", "to", "assignee"} or _is_list(annotation):
        people = [person(part) for part in _LIST_SPLIT.split(text) if part.strip()]
        return people if _is_list(annotation) else (people[0] if people else text)
    if field == "amount":
        value, _ = amount(text)
        return value if value is not None else text
    return text.strip().strip('"“”\'')


def _is_list(annotation: Any) -> bool:
    return getattr(annotation, "__origin__", None) is list or str(annotation).startswith("list[")
