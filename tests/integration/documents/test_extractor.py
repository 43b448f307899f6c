"""A lent extractor reads receipt fields from the text; the parser fills in what it leaves out or gets wrong."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bot.runtime import Runtime
from connectors.data_entry.forms import load_forms
from connectors.documents import DocumentsConnector
from connectors.documents.expense import receipt_draft
from connectors.documents.sniff import Limits
from tests.integration.documents.chat import click, inputs, share, stored
from tests.integration.documents.test_receipts import receipt_pdf

EXPENSE = load_forms(None)["expense"]
PARSED = {"amount": "16.70", "currency": "EUR", "merchant": "PAPER & CO", "date": "2026-11-03"}


def reads(found: Mapping[str, Any] | None, seen: list[str]) -> Any:
    """An extractor standing for the NLU: it keeps the text it was given and answers ``found``."""

    def extract(text: str) -> Mapping[str, Any] | None:
        seen.append(text)
        return found

    return extract


def test_valid_extracted_fields_replace_the_parsers_and_bad_ones_fall_back() -> None:
    seen: list[str] = []
    found = {"amount": "20.5", "currency": "usd", "merchant": "Paper & Co (Rivoli)", "date": "3 Nov", "tip": "1"}
    draft = receipt_draft("r.pdf", receipt_pdf(), "pdf", EXPENSE, Limits(), reads(found, seen))
    assert "TOTAL EUR" in seen[0], "the extractor reads the receipt's text"
    assert draft.read == {"amount": "20.5", "currency": "USD", "merchant": "Paper & Co (Rivoli)",
                          "date": "2026-11-03"}
    assert draft.read_by == {"amount": "extractor", "currency": "extractor", "merchant": "extractor",
                             "date": "parser"}
    assert draft.record == {"amount": 20.5, "currency": "USD", "description": "Paper & Co (Rivoli), 2026-11-03"}


def test_a_value_equal_to_the_parsers_keeps_the_receipts_writing() -> None:
    draft = receipt_draft("r.pdf", receipt_pdf(), "pdf", EXPENSE, Limits(), reads({"amount": 16.7}, []))
    assert draft.read["amount"] == "16.70" and draft.read_by["amount"] == "extractor"
    assert draft.record["amount"] == 16.7


def test_without_an_answer_or_with_a_failing_extractor_the_parser_reads_the_receipt() -> None:
    def broken(text: str) -> Mapping[str, Any] | None:
        raise RuntimeError("model not loaded")

    for extractor in (reads(None, []), reads({}, []), reads({"amount": Decimal("NaN")}, []), broken, None):
        draft = receipt_draft("r.pdf", receipt_pdf(), "pdf", EXPENSE, Limits(), extractor)
        assert draft.read == PARSED and set(draft.read_by.values()) == {"parser"}


async def test_the_connector_uses_a_lent_extractor_for_the_preview(runtime: Runtime) -> None:
    connector = next(c for c in runtime.registry.connectors if isinstance(c, DocumentsConnector))
    connector.use_extractor(reads({"amount": "17.00", "currency": "GBP"}, []))
    reply = await share(runtime, "receipt.pdf", receipt_pdf())
    assert inputs(reply) == {**PARSED, "amount": "17.00", "currency": "GBP"}
    await click(runtime, reply, "Enter")
    assert await stored(runtime, "expense") == [{"amount": 17.0, "currency": "GBP",
                                                 "description": "PAPER & CO, 2026-11-03"}]
