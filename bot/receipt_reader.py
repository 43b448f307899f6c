"""The NLU as the reader of a receipt's amount and currency, lent to the documents connector.

The receipt's total line, as the connector finds it, is read as an expense
(``add expense TOTAL EUR 16,70``): the generator states the expense's amount and
currency and the span tagger chooses which number and code they are. The connector's
parser still reads the merchant and the date, and every field the NLU leaves out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import structlog

from connectors.documents.receipts import total_line

log = structlog.get_logger(__name__)

READ_AS = "record.create"
FIELDS = ("amount", "currency")


def receipt_extractor(serving: Callable[[], Any | None]) -> Callable[[str], Mapping[str, Any] | None]:
    """An extractor over the NLU that ``serving`` returns at the time of each receipt.

    None (the parser alone) while the model is loading, for a model without a generator,
    and for a receipt with no labelled total.
    """

    def extract(text: str) -> Mapping[str, Any] | None:
        line = total_line(text)
        nlu = serving()
        fill = getattr(nlu, "fill", None)
        if line is None or fill is None or getattr(nlu, "generator", None) is None:
            return None
        words = " ".join(line.split())  # a receipt's column gaps are layout, not words
        [args] = fill([f"add expense {words}"], [READ_AS])
        fields = args.get("fields") or {}
        if args.get("form") != "expense":
            log.info("documents.receipt_not_read_as_expense", form=args.get("form"))
            return None
        return {name: fields[name] for name in FIELDS if fields.get(name) is not None}

    return extract
