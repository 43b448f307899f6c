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
