"""Reads amount, currency, merchant and date out of a receipt's recognised text.

OCR text is noisy: the total is found by its label (TOTAL, AMOUNT DUE, ...)
rather than by position, sub-totals, tax and change lines are skipped, and
both ``1,234.56`` and ``1.234,56`` are understood.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bot.dates import find_dates

SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
CODES = ("USD", "EUR", "GBP", "CHF", "CAD", "AUD", "JPY", "INR", "SEK", "NOK", "DKK", "PLN", "CZK")
_CUR = r"(?:[$€£¥₹]|\b(?:" + "|".join(CODES) + r")\b)"
_NUM = r"\d{1,3}(?:[.,' ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
MONEY = re.compile(rf"(?P<pre>{_CUR})?\s?(?P<num>{_NUM})(?!\d)\s?(?P<post>{_CUR})?")
TOTAL_LABELS = ("grand total", "total due", "amount due", "balance due", "total to pay", "to pay",
                "total amount", "amount paid", "total", "montant", "summe", "betrag", "importe")
NOT_TOTAL = ("subtotal", "sub total", "sub-total", "total tax", "tax total", "vat", "tip", "change",
             "cash", "tendered", "savings", "discount", "items", "qty")
_SKIP_MERCHANT = ("receipt", "invoice", "welcome", "tax invoice", "sales", "order", "customer copy", "thank")


@dataclass(frozen=True, kw_only=True)
class ReceiptFields:
    """What was read; ``None`` where the text did not say (the user fills it in)."""

    amount: Decimal | None = None
    currency: str | None = None
    merchant: str | None = None
    date: dt.date | None = None


def to_decimal(text: str) -> Decimal | None:
    """``1,234.56``, ``1.234,56``, ``1 234,56`` and ``12,50`` as decimals."""
    text = text.replace(" ", "").replace("'", "")
    last = max(text.rfind("."), text.rfind(","))
    if last >= 0 and len(text) - last - 1 in (1, 2):
        whole, cents = text[:last], text[last + 1:]
        text = re.sub(r"[.,]", "", whole) + "." + cents
    else:
        text = re.sub(r"[.,]", "", text)
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _currency(token: str | None) -> str | None:
    if not token:
        return None
    return SYMBOLS.get(token, token.upper() if token.upper() in CODES else None)


def _amounts(line: str) -> list[tuple[Decimal, str | None]]:
    """Money values of a line, in order, with the currency written next to each."""
    found = []
    for match in MONEY.finditer(_ocr_fixes(line)):
        value = to_decimal(match.group("num"))
        decimals = re.search(r"[.,]\d{1,2}$", match.group("num"))
        currency = _currency(match.group("pre")) or _currency(match.group("post"))
        if value is not None and (decimals or currency):
            found.append((value, currency))
    return found


def _ocr_fixes(line: str) -> str:
    """Common misreadings next to digits: ``S12.50`` for ``$12.50``, ``O`` for ``0``, ``12 .50``,
    and a symbol read as a letter glued to an amount (``K87.29`` for ``£87.29``): the letter goes,
    the amount stays readable, and the currency is left to be found elsewhere."""
    line = re.sub(r"(?<![A-Za-z])[S$](?=\s?\d)", "$", line)
    line = re.sub(r"(?<=\s)[A-RT-Za-z&](?=\d[\d,.]*[.,]\d\d\b)", "", line)
    line = re.sub(r"(?<=\d)[Oo](?=\d)", "0", line)
    return re.sub(r"(?<=\d) ?([.,]) ?(?=\d{2}\b)", r"\1", line)


def _is_total(line: str) -> bool:
    folded = line.casefold()
    return any(label in folded for label in TOTAL_LABELS) and not any(bad in folded for bad in NOT_TOTAL)


def _labelled_totals(lines: list[str]) -> list[tuple[str, list[tuple[Decimal, str | None]]]]:
    """Lines labelled as a total that hold an amount, with their amounts."""
    return [(line, found) for line in lines if _is_total(line) and (found := _amounts(line))]


def total_line(text: str) -> str | None:
    """The line that states the receipt's total (the last labelled one), misreadings fixed."""
    labelled = _labelled_totals([line.strip() for line in text.splitlines() if line.strip()])
    return _ocr_fixes(labelled[-1][0]) if labelled else None


def find_total(lines: list[str]) -> tuple[Decimal, str | None] | None:
    """The labelled total (the last one when several), else the largest amount on the receipt."""
    labelled = _labelled_totals(lines)
    if labelled:
        return labelled[-1][1][-1]
    every = [amount for line in lines if not any(b in line.casefold() for b in NOT_TOTAL) for amount in _amounts(line)]
    return max(every, key=lambda a: a[0]) if every else None


def find_currency(lines: list[str], near_total: str | None) -> str | None:
    if near_total:
        return near_total
    seen: Counter[str] = Counter()
    for line in lines:
        for match in re.finditer(_CUR, _ocr_fixes(line)):
            code = _currency(match.group(0))
            if code:
                seen[code] += 1
    return seen.most_common(1)[0][0] if seen else None


def find_date(text: str, *, day_first: bool) -> dt.date | None:
    """The first date written on the receipt; ``day_first`` settles 03/04 (03 April or March 4)."""
    found = find_dates(text, day_first=day_first)
    return found[0].date if found else None


def find_merchant(lines: list[str]) -> str | None:
    """The first line near the top that reads like a name (letters, not a date, price or address)."""
    for line in lines[:6]:
        words = re.sub(r"[^\w&' .-]", " ", line).strip(" .-")
        letters = sum(c.isalpha() for c in words)
        if letters < 3 or letters < 0.6 * len(words.replace(" ", "")) or _amounts(line):
            continue
        if any(s in words.casefold() for s in _SKIP_MERCHANT):
            continue
        return re.sub(r"\s+", " ", words)[:100]
    return None


def read_receipt(text: str) -> ReceiptFields:
    """The fields of a receipt from its text (OCR output or a PDF's text layer)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    total = find_total(lines)
    currency = find_currency(lines, total[1] if total else None)
    return ReceiptFields(amount=total[0] if total else None, currency=currency, merchant=find_merchant(lines),
                         date=find_date(text, day_first=currency not in ("USD", None)))
