"""The NLU as the reader of a receipt, lent to the documents connector.

The receipt's text is condensed to the lines that state its fields (header, dated
lines, the total line the connector finds by its label) and read as the internal
``receipt.read`` action: the generator states the amount, currency, merchant and
date, and the span tagger chooses which words they are. The connector's parser
still reads every field the NLU leaves out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from connectors.documents.receipts import total_line
from intents import spans
from intents.receipt_input import READ_RECEIPT, receipt_input

FIELDS = ("amount", "currency", "merchant", "date")
UNLABELLED_FIELDS = ("merchant", "date")
"""What the NLU reads of a receipt without a labelled total."""
MONTH_FIRST = frozenset({"USD"})
"""Currencies of receipts that write ``03/04/2026`` month first (the parser's rule too)."""


def receipt_extractor(serving: Callable[[], Any | None]) -> Callable[[str], Mapping[str, Any] | None]:
    """An extractor over the NLU that ``serving`` returns at the time of each receipt.

    None (the parser alone) while the model is loading, for a model without a generator,
    and for a model that was not taught to read receipts. Without a labelled total line the
    NLU reads only the merchant and the date.
    """

    def extract(text: str) -> Mapping[str, Any] | None:
        nlu = serving()
        fill = getattr(nlu, "fill", None)
        generator = getattr(nlu, "generator", None)
        reads = getattr(generator, "reads", None)
        if fill is None or reads is None or not reads(READ_RECEIPT):
            return None
        total = total_line(text)
        condensed = receipt_input(text, total)
        if not condensed:
            return None
        [args] = fill([condensed], [READ_RECEIPT])
        # The NLU learned the amount and currency from the total line only: with none, it would
        # take some other number (an hour, a street number); the parser's fallback reads them.
        wanted = FIELDS if total is not None else UNLABELLED_FIELDS
        found = {name: args[name] for name in wanted if args.get(name) is not None}
        if "date" in found and found.get("currency") in MONTH_FIRST:
            found["date"] = month_first(condensed, found["date"])
        return found

    return extract


def month_first(text: str, read: str) -> str:
    """The date the NLU chose, read month first where it was written ambiguously (03/04/2026).

    Both readings find the same written dates, in the same order; only their values differ."""
    pairs = zip(spans.dates(text), spans.dates(text, day_first=False), strict=True)
    return next((str(us.value) for usual, us in pairs if usual.value == read), read)
