from __future__ import annotations

import pytest

from connectors.data_entry.forms import load_forms
from connectors.documents.cleaning import clean_record
from connectors.documents.rules import load_rules

FORMS = load_forms()
RULES = load_rules()


def test_messy_customer_values_are_normalised() -> None:
    values, problems = clean_record(FORMS["customer"], {
        "name": "  ada   LOVELACE ", "email": " mailto:Ada@Example.COM ", "phone": "(415) 293-7955",
        "company": " Analytical\tEngines  Ltd ", "tier": "Gold"}, RULES)
    assert problems == []
    assert values == {"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+14152937955",
                      "company": "Analytical Engines Ltd", "tier": "premium"}


def test_mixed_case_names_are_kept_and_foreign_numbers_keep_their_country() -> None:
    values, _ = clean_record(FORMS["customer"], {"name": "o'BRIEN McDonald", "phone": "+44 20 7946 0018"}, RULES)
    assert values == {"name": "O'Brien McDonald", "phone": "+442079460018"}


def test_every_bad_cell_of_a_row_is_named_in_form_order() -> None:
    values, problems = clean_record(FORMS["customer"], {"name": "", "email": "bob@", "phone": "12345",
                                                        "tier": "platinum"}, RULES)
    assert values == {}
    assert [p.column for p in problems] == ["name", "email", "phone", "tier"]
    assert problems[0].message == "required but empty"
    assert "'platinum' is not one of free, standard, premium, enterprise" == problems[3].message


@pytest.mark.parametrize(("raw", "stored"), [("1,200", 1200), (3.0, 3), ("12", 12)])
def test_quantities_lose_separators(raw: object, stored: int) -> None:
    values, problems = clean_record(FORMS["order"], {"customer": "x", "product": "y", "quantity": raw}, RULES)
    assert problems == [] and values["quantity"] == stored


def test_prices_lose_currency_signs_and_dates_are_read_in_the_configured_formats() -> None:
    order, _ = clean_record(FORMS["order"], {"customer": "x", "product": "y", "quantity": 1,
                                             "unit_price": "$1,250.50"}, RULES)
    assert order["unit_price"] == 1250.5
    sheet, _ = clean_record(FORMS["timesheet"], {"project": "Apollo", "hours": "7.5", "date": "03/11/2026"}, RULES)
    assert sheet == {"project": "Apollo", "hours": 7.5, "date": "2026-11-03"}
    _, problems = clean_record(FORMS["timesheet"], {"project": "A", "hours": "30", "date": "someday"}, RULES)
    assert [p.column for p in problems] == ["hours", "date"]
