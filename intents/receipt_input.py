"""What the NLU reads of a receipt: its header, the lines that hold a date, and its total.

A receipt runs to dozens of lines, most of them items; the ``receipt.read`` action
needs four values that sit in a few known places. The header names the merchant,
a dated line gives the date, and the total line (found by the caller, which knows
the labels receipts use) gives the amount and the currency. The generator and the
span tagger then read the values from these lines, the same way in training
(:mod:`intents.corpus.receipts`) and in serving (:mod:`bot.receipt_reader`).
"""

from __future__ import annotations

from intents import spans

READ_RECEIPT = "receipt.read"
HEADER_LINES = 3
MAX_DATED_LINES = 2
MAX_LINE_WORDS = 8
SEPARATOR = " | "


def receipt_input(text: str, total: str | None) -> str:
    """The receipt as one line for ``receipt.read``: header lines, dated lines, then the total line."""
    lines = [_words(line) for line in text.splitlines() if line.strip()]
    dated = [line for line in lines[HEADER_LINES:] if spans.dates(line)][:MAX_DATED_LINES]
    kept: list[str] = []
    for line in [*lines[:HEADER_LINES], *dated, *([_words(total)] if total and total.strip() else [])]:
        if line not in kept:
            kept.append(line)
    return SEPARATOR.join(kept)


def _words(line: str) -> str:
    """Column gaps are layout, not words; an over-long line keeps its first words."""
    return " ".join(line.split()[:MAX_LINE_WORDS])
