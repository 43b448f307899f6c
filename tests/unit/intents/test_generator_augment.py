"""Augmented training lines: new values where the old ones were, arguments that still match."""

from __future__ import annotations

import random

from intents import spans
from intents.data import Example
from intents.generator_augment import augment, augmented, phrase_pool
from intents.generator_slots import compile_slots
from intents.schemas import BUILTIN_SCHEMAS

TEXTS = [
    "please move the design freeze for release 4.2 to friday",
    "pay invoice #8812 before the 3rd",
    "send 20 dollars to mom",
    "what is the weather like in Paris today",
    "remind me to call @ana about the Q3 plan",
    "book a table for 4 at 7pm",
] * 20


def test_varied_phrases_hold_numbers_and_codes_but_never_money_or_people() -> None:
    pool = phrase_pool(TEXTS, varied=True)
    assert any(any(ch.isdigit() for ch in phrase) for phrase in pool)
    for phrase in pool:
        words = phrase.lower().split()
        assert "dollars" not in words and "$" not in phrase
        assert not spans.people(phrase), phrase


def test_plain_phrases_are_words_only() -> None:
    for phrase in phrase_pool(TEXTS):
        assert not any(ch.isdigit() or ch in "#@%$" for ch in phrase), phrase


def test_a_reference_is_swapped_for_another_reference() -> None:
    slots = compile_slots(BUILTIN_SCHEMAS["record.query"])
    line = Example(text="any tickets about order ORD-4411?", intent="record.query",
                   args={"form": "ticket", "filters": {"order_id": "ORD-4411"}})
    rng = random.Random(0)
    seen = set()
    for _ in range(20):
        new = augment(line, slots, ["some words here"], rng)
        if new is None:
            continue
        value = new.args["filters"]["order_id"]
        assert value in new.text and any(ch.isdigit() for ch in value) and " " not in value
        seen.add(value.startswith("ORD-"))
    assert seen == {True, False}


def test_dates_and_phone_numbers_are_not_taken_for_references() -> None:
    slots = compile_slots(BUILTIN_SCHEMAS["record.create"])
    line = Example(text="log 3 hours on Apollo for 2026-11-20", intent="record.create",
                   args={"form": "timesheet", "fields": {"project": "Apollo", "hours": 3, "date": "2026-11-20"}})
    for seed in range(10):
        new = augment(line, slots, ["some words here"], random.Random(seed))
        assert new is None or new.args["fields"]["date"] in ("2026-11-20", "some words here")


def test_a_lead_word_stays_and_the_arguments_follow_the_text() -> None:
    slots = {"approval.request": compile_slots(BUILTIN_SCHEMAS["approval.request"])}
    line = Example(text="ask @ana to approve the new laptop for the Berlin summit", intent="approval.request",
                   args={"approver": "ana", "subject": "the new laptop", "reason": "for the Berlin summit"})
    lines = augmented([line] * 10, slots, ["crisp winter apples", "a quiet room"], 1, random.Random(1))
    assert lines
    for new in lines:
        assert new.args["reason"].startswith("for ") and new.args["subject"].startswith("the ")
        assert new.args["reason"] in new.text and new.args["subject"] in new.text
        assert new.args["approver"] == "ana"
