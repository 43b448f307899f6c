"""Typed spans and value normalisation, as actions.md says arguments must come out."""

from __future__ import annotations

import pytest

from intents import spans


def _values(text: str, kind: str) -> list[object]:
    return [e.value for e in spans.entities(text) if e.kind == kind]


@pytest.mark.parametrize(
    ("text", "people"),
    [
        ("ask <@U024BE7LH> to approve it", ["U024BE7LH"]),
        ("ask <@U024BE7LH|dana> to approve it", ["U024BE7LH"]),
        ("hi <at>Dana Kim</at>, approve this", ["Dana Kim"]),
        ("cc @alice and @finance-bob", ["alice", "finance-bob"]),
        ("write to Carlos.Diaz@Example.com today", ["carlos.diaz@example.com"]),
        ("mail <mailto:li.wei@example.com|li.wei@example.com> now", ["li.wei@example.com"]),
    ],
)
def test_people_are_normalised_as_the_spec_says(text: str, people: list[str]) -> None:
    assert _values(text, "person") == people


@pytest.mark.parametrize(
    ("text", "numbers", "codes"),
    [
        ("approve $1,200 for the laptop", [1200], ["USD"]),
        ("a $1.2k training course", [1200], ["USD"]),
        ("2500 dollars for cloud credits", [2500], ["USD"]),
        ("conference ticket €499", [499], ["EUR"]),
        ("3 extra monitors, £640", [3, 640], ["GBP"]),
        ("taxi 35 EUR", [35], ["EUR"]),
        ("log 3.5h on Apollo", [3.5], []),
        ("20 x USB-C dock at 89.90", [20, 89.9], []),
        ("TOTAL EUR 16,70", [16.7], ["EUR"]),
        ("Summe 1.234,50 €", [1234.5], ["EUR"]),
        ("1,200 now and 3,50 later", [1200, 3.5], []),
    ],
)
def test_numbers_and_currencies(text: str, numbers: list[float], codes: list[str]) -> None:
    assert _values(text, "number") == numbers
    assert _values(text, "currency") == codes


def test_numbers_inside_mentions_and_ids_are_not_amounts() -> None:
    assert _values("ask <@U024BE7LH> about the Q3 report", "number") == []


def test_clean_text_drops_quotes_and_trailing_punctuation() -> None:
    assert spans.clean_text(' "Server maintenance", ') == "Server maintenance"


def test_find_text_is_case_insensitive_and_stays_on_word_boundaries() -> None:
    text = "cancel the Plan for planners"
    assert spans.find_text(text, "the plan") == (7, 15)
    assert spans.find_text(text, "plann") is None


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("log 6h on Hermes for 2026-11-20", ["2026-11-20"]),
        ("Date: 03.11.2026 12:34", ["2026-11-03"]),
        ("paid 03/04/2026", ["2026-04-03"]),
        ("paid 11/20/26, thanks", ["2026-11-20"]),
        ("Nov 20, 2026 and 3rd March 2026", ["2026-11-20", "2026-03-03"]),
        ("14-SEP-2026 18:02", ["2026-09-14"]),
        ("2026/01/09", ["2026-01-09"]),
    ],
)
def test_dates_are_written_out_as_iso(text: str, dates: list[str]) -> None:
    assert _values(text, "date") == dates


@pytest.mark.parametrize("text", ["2026-02-30", "version 1.2.3", "16,70 on 12/5", "Nov 20", "market 12 2026",
                                  "call 555-12-2026"])
def test_what_is_not_a_whole_date_is_not_read_as_one(text: str) -> None:
    assert _values(text, "date") == []


def test_an_ambiguous_numeric_date_reads_month_first_when_asked() -> None:
    assert [e.value for e in spans.dates("03/04/2026", day_first=False)] == ["2026-03-04"]
    assert [e.value for e in spans.dates("20/11/2026", day_first=False)] == ["2026-11-20"], "only one reading"


@pytest.mark.parametrize(
    ("text", "phones"),
    [
        ("new customer Maria Gonzalez, phone +44 20 7946 0958, company Bluebird Ltd", ["+44 20 7946 0958"]),
        ("contact (931) 746-5178 or 441-554-9696", ["(931) 746-5178", "441-554-9696"]),
        ("call +33 1 42 60 00 00 today", ["+33 1 42 60 00 00"]),
        ("log 6h on 2026-11-20, order 5531, 1,234,567 users, room 12 34 56, $89.90", []),
    ],
)
def test_phone_numbers_are_read_whole_and_as_written(text: str, phones: list[str]) -> None:
    assert _values(text, "phone") == phones
