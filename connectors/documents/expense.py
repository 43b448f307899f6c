"""A receipt (image or PDF) turned into a draft expense record for the user to confirm.

The fields come from the receipt's text: by an extractor when one is lent (the
NLU can read amount, currency, merchant and date from text), else, and for any
field the extractor leaves out or gets wrong, by the built-in parser.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import structlog

from connectors.data_entry.forms import Form
from connectors.documents.corrections import FIELDS, check_field
from connectors.documents.ocr import recognise
from connectors.documents.pdf import pdf_text
from connectors.documents.receipts import ReceiptFields, read_receipt
from connectors.documents.sniff import Limits

log = structlog.get_logger(__name__)

MAX_TEXT = 4000
Extractor = Callable[[str], Mapping[str, Any] | None]
"""Reads a receipt's text into ``amount``, ``currency``, ``merchant``, ``date`` (text values, any
left out); None when it cannot tell. Blocking: it is called in a worker thread."""


@dataclass(frozen=True, kw_only=True)
class ExpenseDraft:
    read: dict[str, Any]
    record: dict[str, Any]
    missing: list[str] = field(default_factory=list)
    text: str = ""
    read_by: dict[str, str] = field(default_factory=dict)
    """Which reader gave each field: ``extractor`` or ``parser``."""

    def payload(self) -> dict[str, Any]:
        return {"read": self.read, "record": self.record, "missing": self.missing, "text": self.text[:MAX_TEXT],
                "read_by": self.read_by}


def receipt_text(name: str, data: bytes, kind: str, limits: Limits) -> str:
    """The PDF's own text layer when it has one, else Tesseract's reading of the image."""
    if kind == "pdf":
        return pdf_text(name, data, max_pages=limits.max_pages)
    return recognise(name, data, max_pixels=limits.max_pixels)


def to_record(fields: ReceiptFields, form: Form) -> dict[str, Any]:
    """The expense form's values: merchant and date go to their own fields if the form has them,
    else into the description."""
    known = form.spec.fields
    record: dict[str, Any] = {}
    if fields.amount is not None:
        record["amount"] = float(fields.amount)
    if fields.currency and "currency" in known:
        record["currency"] = fields.currency
    extra = []
    for name, value in (("merchant", fields.merchant), ("date", fields.date.isoformat() if fields.date else None)):
        if value and name in known:
            record[name] = value
        elif value:
            extra.append(value)
    if extra and "description" in known:
        record["description"] = ", ".join(extra)
    return record


def extracted(extractor: Extractor, text: str, parsed: ReceiptFields) -> tuple[ReceiptFields, dict[str, str]]:
    """The parser's fields, each replaced by the extractor's where it gave a valid value.

    A value equal to the parser's keeps the parser's writing, which is the receipt's own
    (an amount of 16.70, not the 16.7 a number comes back as); it still counts as read by the
    extractor."""
    by = {name: "parser" for name in FIELDS if getattr(parsed, name) is not None}
    try:
        found = extractor(text) or {}
    except Exception as exc:  # noqa: BLE001 - a lent extractor never stops a receipt; the parser still reads it
        log.warning("documents.extractor_failed", error=repr(exc))
        return parsed, by
    fields = parsed
    for name, value in found.items() if isinstance(found, Mapping) else ():
        checked = check_field(name, value)
        if checked is not None:
            as_written = getattr(parsed, name)
            fields = replace(fields, **{name: as_written if checked == as_written else checked})
            by[name] = "extractor"
    return fields, by


def receipt_draft(name: str, data: bytes, kind: str, form: Form, limits: Limits,
                  extractor: Extractor | None = None) -> ExpenseDraft:
    """Blocking (OCR): run it in a thread."""
    text = receipt_text(name, data, kind, limits)
    fields = read_receipt(text)
    by = {name: "parser" for name in FIELDS if getattr(fields, name) is not None}
    if extractor is not None:
        fields, by = extracted(extractor, text, fields)
    read = {"amount": str(fields.amount) if fields.amount is not None else None, "currency": fields.currency,
            "merchant": fields.merchant, "date": fields.date.isoformat() if fields.date else None}
    missing = [label for label, value in (("amount", fields.amount), ("currency", fields.currency)) if value is None]
    record = to_record(fields, form)
    if not missing:
        record = form.validate(record)
    return ExpenseDraft(read=read, record=record, missing=missing, text=text, read_by=by)
