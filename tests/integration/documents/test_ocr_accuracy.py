"""Receipts drawn with a known font, rotated and noised a little: amount and currency read right."""

from __future__ import annotations

import os

import pytest

from connectors.documents.ocr import recognise, unavailable
from connectors.documents.receipts import read_receipt
from tests.integration.documents.files import receipt_image

NO_OCR = unavailable()
COUNT = int(os.environ.get("FLOWDESK_TEST_RECEIPTS", "30"))


@pytest.mark.skipif(NO_OCR is not None, reason=f"Tesseract OCR is not installed: {NO_OCR}")
def test_amount_and_currency_are_right_on_at_least_90_percent_of_receipts() -> None:
    wrong = []
    for seed in range(1000, 1000 + COUNT):
        receipt = receipt_image(seed)
        fields = read_receipt(recognise("receipt", receipt.image, max_pixels=40_000_000))
        read = (f"{fields.amount:.2f}" if fields.amount is not None else None, fields.currency)
        if read != (receipt.amount, receipt.currency):
            wrong.append((seed, (receipt.amount, receipt.currency), read))
    assert len(wrong) <= COUNT * 0.10, wrong
