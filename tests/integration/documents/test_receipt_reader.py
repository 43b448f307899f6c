"""The shipped NLU reads a receipt's amount, currency, merchant and date; the parser what it leaves out."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.config import load_settings
from bot.receipt_reader import month_first, receipt_extractor
from bot.runtime import Runtime
from connectors.data_entry.forms import load_forms
from connectors.documents import DocumentsConfig, DocumentsConnector
from connectors.documents.expense import receipt_draft
from connectors.documents.sniff import Limits
from connectors.registry import ConnectorRegistry
from intents.pipeline import NLU
from tests.integration.documents.test_receipts import receipt_pdf

EXPENSE = load_forms(None)["expense"]


@pytest.fixture(scope="module")
def nlu() -> NLU:
    return NLU.load()


@pytest.mark.parametrize(("total", "amount", "currency"), [
    ("TOTAL EUR    16,70", 16.7, "EUR"),
    ("Summe 1.234,50 EUR", 1234.5, "EUR"),
    ("TOTAL        $1,076.76", 1076.76, "USD"),
    ("AMOUNT DUE 88.00 CHF", 88, "CHF"),
    ("Grand total £12.50", 12.5, "GBP"),
])
def test_the_receipt_is_read_as_the_internal_receipt_action(nlu: NLU, total: str, amount: float, currency: str) -> None:
    text = f"CORNER SHOP\n4 Mill Lane\nDate: 2026-10-14 09:12\nMilk 2,10\nSUBTOTAL 9,99\n{total}\nCASH 100.00\nTHANK YOU"
    assert receipt_extractor(lambda: nlu)(text) == {
        "amount": amount, "currency": currency, "merchant": "CORNER SHOP", "date": "2026-10-14"}


def test_a_receipt_without_a_total_line_leaves_the_amount_to_the_parser(nlu: NLU) -> None:
    found = receipt_extractor(lambda: nlu)("CORNER SHOP\nthank you for shopping")
    assert found is not None and "amount" not in found and "date" not in found
    text = "CORNER SHOP\n4 Mill Lane\nDate: 2026-10-14 09:12\nMilk 2,10\nBread 3,40\nthanks"
    assert receipt_extractor(lambda: nlu)(text) == {"merchant": "CORNER SHOP", "date": "2026-10-14"}


def test_no_model_yet_or_a_model_not_taught_receipts_leaves_the_receipt_to_the_parser() -> None:
    assert receipt_extractor(lambda: None)("TOTAL EUR 16,70") is None
    untaught = SimpleNamespace(fill=lambda texts, intents: [{}], generator=SimpleNamespace(reads=lambda intent: False))
    assert receipt_extractor(lambda: untaught)("TOTAL EUR 16,70") is None


def test_a_dollar_receipt_reads_an_ambiguous_date_month_first() -> None:
    assert month_first("SHOP | 03/04/2026 | TOTAL $4.50", "2026-04-03") == "2026-03-04"
    assert month_first("SHOP | 2026-04-03 | TOTAL $4.50", "2026-04-03") == "2026-04-03"
    assert month_first("SHOP | 20/11/2026 | TOTAL $4.50", "2026-11-20") == "2026-11-20"


def test_the_draft_says_the_nlu_read_every_field(nlu: NLU) -> None:
    """The NLU reads 16.7; the card shows 16.70 as the receipt writes it, since the parser agrees."""
    draft = receipt_draft("r.pdf", receipt_pdf(), "pdf", EXPENSE, Limits(), receipt_extractor(lambda: nlu))
    assert draft.read == {"amount": "16.70", "currency": "EUR", "merchant": "PAPER & CO", "date": "2026-11-03"}
    assert draft.read_by == {"amount": "extractor", "currency": "extractor", "merchant": "extractor",
                             "date": "extractor"}


async def test_a_runtime_with_the_real_nlu_lends_the_reader_to_the_documents_connector(tmp_path: Path) -> None:
    documents = DocumentsConnector(config=DocumentsConfig())
    runtime = Runtime(settings=load_settings({"FLOWDESK_DATA_DIR": str(tmp_path)}),
                      registry=ConnectorRegistry([documents]))
    await runtime.start(run_worker=False, load_nlu_now=False)
    try:
        assert documents.extractor is not None
        assert documents.extractor("TOTAL EUR 16,70") is None, "while the model loads, the parser reads"
    finally:
        await runtime.close()
