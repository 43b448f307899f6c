"""Candidate argument spans: the pieces of a message an argument value may be copied from.

The generator never writes a value freely: it points at a span of the message and
this module turns the span into the value actions.md asks for (a mention without
its markup, a lower-cased email, ``$1.2k`` -> ``1200``, ``€`` -> ``EUR``,
``3 Nov 2026`` -> ``2026-11-03``). Typed arguments (people, numbers, currencies, dates,
phone numbers) are restricted to the entity spans found
here; free-text arguments may use any span that starts and ends on a word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from bot.dates import find_dates

EntityKind = Literal["person", "number", "currency", "date", "phone"]


@dataclass(frozen=True)
class Entity:
    """A typed span of the message: ``text[start:end]`` means ``value``."""

    kind: EntityKind
    start: int
    end: int
    value: Any


_SLACK_USER = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_TEAMS_AT = re.compile(r"<at>([^<]+)</at>")
_MAILTO = re.compile(r"<mailto:([^|>]+)(?:\|[^>]*)?>")
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_HANDLE = re.compile(r"(?<![\w@<])@([A-Za-z0-9][\w.-]*[A-Za-z0-9]|[A-Za-z0-9])")
_NUMBER = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:\s?([kK])(?![a-zA-Z]))?(?=[^\d]|$)"
)
_DECIMAL_COMMA = re.compile(r"(?<![\w.,])(\d{1,3}(?:\.\d{3})+|\d+),(\d{2})(?![\d])(?![.,]\d)")
"""A European amount: ``16,70`` or ``1.234,50``. Two digits after the comma, so ``1,200`` stays 1200."""
_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
_CODES = {"USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "INR", "SEK", "NOK", "DKK", "PLN", "CNY", "NZD"}
_WORDS = {
    "dollar": "USD", "dollars": "USD", "bucks": "USD", "euro": "EUR", "euros": "EUR",
    "pound": "GBP", "pounds": "GBP", "quid": "GBP", "yen": "JPY", "rupees": "INR",
}
_CURRENCY = re.compile(
    r"[$€£¥₹]|\b(?:" + "|".join(sorted(_CODES | set(_WORDS), key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]\d{2,4}){1,4}(?![\w]|[.,]\d)")
MIN_PHONE_DIGITS = 7
"""A phone number as people write it: ``+44 20 7946 0958``, ``(415) 555-0100``, ``415-555-0100``."""
CACHED_MESSAGES = 4096
"""Messages whose entities are kept: the spans are pure functions of the text."""
_TRIM = " \t\n\"'`“”‘’.,;:!?()[]{}<>"


def _overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(start < b and a < end for a, b in taken)


def people(text: str) -> list[Entity]:
    """Mentions and email addresses, normalised as actions.md says, in message order."""
    return list(_people(text))


@lru_cache(maxsize=CACHED_MESSAGES)
def _people(text: str) -> tuple[Entity, ...]:
    # numbers, currencies and phones each keep clear of people: one search per message
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []
    for pattern, norm in (
        (_SLACK_USER, lambda m: m.group(1)),
        (_TEAMS_AT, lambda m: m.group(1).strip()),
        (_MAILTO, lambda m: m.group(1).strip().lower()),
        (_EMAIL, lambda m: m.group(0).lower()),
        (_HANDLE, lambda m: m.group(1)),
    ):
        for m in pattern.finditer(text):
            if not _overlaps(m.start(), m.end(), taken):
                found.append(Entity("person", m.start(), m.end(), norm(m)))
                taken.append((m.start(), m.end()))
    return tuple(sorted(found, key=lambda e: e.start))


def parse_number(surface: str) -> float | int | None:
    """``"1,500"`` -> 1500, ``"$1.2k"`` -> 1200, ``"84.50"`` -> 84.5, ``"16,70"`` -> 16.7; None when not a number."""
    plain = surface.replace("$", " ").replace("€", " ").replace("£", " ")
    eu = _DECIMAL_COMMA.search(plain)
    if eu is not None:
        return round(float(eu.group(1).replace(".", "") + "." + eu.group(2)), 6)
    m = _NUMBER.search(plain)
    if m is None:
        return None
    value = float(m.group(1).replace(",", "") + (m.group(2) or ""))
    if m.group(3):
        value *= 1000
    value = round(value, 6)
    return int(value) if value.is_integer() else value


def numbers(text: str) -> list[Entity]:
    """Numbers outside mentions and emails (``3.5h`` gives 3.5, ``$1.2k`` gives 1200)."""
    blocked = [(e.start, e.end) for e in people(text)]
    found = []
    for m in _DECIMAL_COMMA.finditer(text):
        if not _overlaps(m.start(), m.end(), blocked):
            found.append(Entity("number", m.start(), m.end(), parse_number(m.group(0))))
            blocked.append((m.start(), m.end()))
    for m in _NUMBER.finditer(text):
        if _overlaps(m.start(), m.end(), blocked):
            continue
        value = parse_number(m.group(0))
        if value is not None:
            found.append(Entity("number", m.start(), m.end(), value))
    return sorted(found, key=lambda e: e.start)


def currencies(text: str) -> list[Entity]:
    """Currency symbols, ISO codes and currency words, as ISO 4217 codes."""
    blocked = [(e.start, e.end) for e in people(text)]
    found = []
    for m in _CURRENCY.finditer(text):
        if _overlaps(m.start(), m.end(), blocked):
            continue
        word = m.group(0)
        code = _SYMBOLS.get(word) or _WORDS.get(word.lower()) or word.upper()
        if word.isupper() or word in _SYMBOLS or word.lower() in _WORDS:
            found.append(Entity("currency", m.start(), m.end(), code))
    return found


def dates(text: str, *, day_first: bool = True) -> list[Entity]:
    """Calendar dates as ISO ``YYYY-MM-DD`` (:func:`bot.dates.find_dates` reads them)."""
    return [Entity("date", d.start, d.end, d.date.isoformat()) for d in find_dates(text, day_first=day_first)]


def phones(text: str) -> list[Entity]:
    """Phone numbers, as written: whole, whatever their grouping (never a date or an amount)."""
    blocked = [(e.start, e.end) for e in people(text) + dates(text)]
    found = []
    for m in _PHONE.finditer(text):
        written = m.group(0)
        if sum(c.isdigit() for c in written) >= MIN_PHONE_DIGITS and not _overlaps(m.start(), m.end(), blocked):
            found.append(Entity("phone", m.start(), m.end(), written))
    return found


def entities(text: str) -> list[Entity]:
    """All typed spans of ``text``, in message order."""
    return list(_entities(text))


@lru_cache(maxsize=CACHED_MESSAGES)
def _entities(text: str) -> tuple[Entity, ...]:
    # decoding asks for a message's entities once per candidate and per argument
    found = people(text) + numbers(text) + currencies(text) + dates(text) + phones(text)
    return tuple(sorted(found, key=lambda e: (e.start, e.end)))


def clean_text(value: str) -> str:
    """A free-text value as it must come out: trimmed, without surrounding quotes."""
    return value.strip(_TRIM)


def find_text(text: str, value: str) -> tuple[int, int] | None:
    """Character span of ``value`` in ``text`` (case-insensitive, on word boundaries)."""
    if not value:
        return None
    pattern = re.compile(r"(?<![\w])" + re.escape(value) + r"(?![\w])", re.IGNORECASE)
    m = pattern.search(text)
    return (m.start(), m.end()) if m else None
