"""A receipt (image or PDF) turned into a draft expense record for the user to confirm."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.data_entry.forms import Form
from connectors.documents.ocr import recognise
from connectors.documents.pdf import pdf_text
from connectors.documents.receipts import ReceiptFields, read_receipt
from connectors.documents.sniff import Limits

MAX_TEXT = 4000


@dataclass(frozen=True, kw_only=True)
class ExpenseDraft:
    read: dict[str, Any]
    record: dict[str, Any]
    missing: list[str] = field(default_factory=list)
    text: str = ""

    def payload(self) -> dict[str, Any]:
        return {"read": self.read, "record": self.record, "missing": self.missing, "text": self.text[:MAX_TEXT]}


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


def receipt_draft(name: str, data: bytes, kind: str, form: Form, limits: Limits) -> ExpenseDraft:
    """Blocking (OCR): run it in a thread."""
    text = receipt_text(name, data, kind, limits)
    fields = read_receipt(text)
    read = {"amount": str(fields.amount) if fields.amount is not None else None, "currency": fields.currency,
            "merchant": fields.merchant, "date": fields.date.isoformat() if fields.date else None}
    missing = [label for label, value in (("amount", fields.amount), ("currency", fields.currency)) if value is None]
    record = to_record(fields, form)
    if not missing:
        record = form.validate(record)
    return ExpenseDraft(read=read, record=record, missing=missing, text=text)
