"""The one reader of calendar dates written in text, for the NLU and for receipts alike.

A leaf module (standard library only): ``intents.spans`` turns what it finds into date
arguments, and the receipt reader takes the first date on a receipt. Both therefore
agree on what a date is and on the one rule for ambiguous ones (``03/04/2026``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (r"(?P<mon>(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?)(?![a-z])")
_PATTERNS = [re.compile(p, re.IGNORECASE) for p in (
    r"(?<![\d.,/-])(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?![\d/-]|\.\d)",
    r"(?<![\d.,/-])(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4}|\d{2})(?![\d/-]|\.\d)",
    r"(?<![\w])(?P<d>\d{1,2})(?:st|nd|rd|th)?[ -]" + _MONTH + r",?[ -](?P<y>\d{4})(?!\d)",
    r"(?<![\w])" + _MONTH + r" (?P<d>\d{1,2})(?:st|nd|rd|th)?,? (?P<y>\d{4})(?!\d)",
)]
"""ISO (``2026-11-03``), numeric (``03.11.2026``, ``11/20/26``) and written-month dates
(``3 Nov 2026``, ``November 3rd, 2026``); a date without its year is not read."""
CACHED_TEXTS = 4096
"""Texts whose dates are kept: a message's slots and candidates ask for them many times."""


@dataclass(frozen=True)
class WrittenDate:
    """``text[start:end]`` states ``date``."""

    start: int
    end: int
    date: dt.date


def find_dates(text: str, *, day_first: bool = True) -> list[WrittenDate]:
    """Every date written in ``text``, in order.

    A numeric date with both parts under 13 (``03/04/2026``) reads day first unless
    ``day_first`` is False; where only one reading is a date, that one is taken.
    """
    return list(_find(text, day_first))


@lru_cache(maxsize=CACHED_TEXTS)
def _find(text: str, day_first: bool) -> tuple[WrittenDate, ...]:
    found: list[WrittenDate] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            value = _date(m.groupdict(), day_first)
            if value is not None and not any(m.start() < f.end and f.start < m.end() for f in found):
                found.append(WrittenDate(m.start(), m.end(), value))
    return tuple(sorted(found, key=lambda f: f.start))


def _date(parts: dict[str, str | None], day_first: bool) -> dt.date | None:
    year = int(parts["y"] or 0)
    year += 2000 if year < 100 else 0
    if parts.get("mon"):
        readings = [(_MONTHS.index(str(parts["mon"])[:3].lower()) + 1, int(parts["d"] or 0))]
    elif parts.get("a"):
        a, b = int(parts["a"] or 0), int(parts["b"] or 0)
        readings = [(b, a), (a, b)] if day_first else [(a, b), (b, a)]
    else:
        readings = [(int(parts["m"] or 0), int(parts["d"] or 0))]
    for month, day in readings:
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    return None
