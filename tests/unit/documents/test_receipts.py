from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from connectors.documents.receipts import read_receipt, to_decimal

CAFE = """CORNER CAFE
123 Main St, Springfield
Date: 11/03/2026 12:41
1 x Latte            4.50
1 x Bagel            3.25
Subtotal             7.75
Tax                  0.62
TOTAL            S8.37
CASH                20.00
CHANGE              11.63
Thank you!"""


def test_the_labelled_total_wins_over_cash_and_change() -> None:
    fields = read_receipt(CAFE)
    assert fields.amount == Decimal("8.37") and fields.currency == "USD"
    assert fields.merchant == "CORNER CAFE"
    assert fields.date == dt.date(2026, 11, 3)


def test_european_numbers_codes_and_day_first_dates() -> None:
    fields = read_receipt("Boulangerie Paul\n12 rue X\n03.11.2026\nCroissant 2,40 €\nTOTAL EUR 1.234,50\nMerci")
    assert (fields.amount, fields.currency, fields.date) == (Decimal("1234.50"), "EUR", dt.date(2026, 11, 3))
    assert fields.merchant == "Boulangerie Paul"


def test_without_a_label_the_largest_amount_is_taken() -> None:
    fields = read_receipt("THE RED LION\nNov 3, 2026\nAle £5.20\nPie £12.40\n")
    assert (fields.amount, fields.currency, fields.date) == (Decimal("12.40"), "GBP", dt.date(2026, 11, 3))


def test_text_without_money_reads_nothing() -> None:
    fields = read_receipt("HELLO WORLD\n")
    assert fields.amount is None and fields.currency is None and fields.date is None


@pytest.mark.parametrize(("text", "value"), [("1,234.56", "1234.56"), ("1.234,56", "1234.56"),
                                             ("1 234,5", "1234.5"), ("12,50", "12.50"), ("1,200", "1200")])
def test_numbers_in_both_conventions(text: str, value: str) -> None:
    assert to_decimal(text) == Decimal(value)
