"""What the NLU reads of a receipt, and the corpus of receipts it learns that from."""

from __future__ import annotations

import random

from tokenizers import Tokenizer

from intents.corpus.receipts import example
from intents.generator_slots import compile_slots, gold_candidate
from intents.generator_text import pieces_of
from intents.pipeline import SHIPPED
from intents.receipt_input import READ_RECEIPT, receipt_input
from intents.schemas import INTERNAL_SCHEMAS
from intents.tagger import MAX_WORDS, words

RECEIPT = """PAPER & CO
12 Rue de Rivoli, Paris
Tel 01 42 60 00 00
Notebook     12,50
Pens          4,20
TOTAL EUR    16,70
03.11.2026 14:02   Till 2
Merci !"""


def test_the_header_dated_lines_and_total_are_kept_in_order() -> None:
    assert receipt_input(RECEIPT, "TOTAL EUR    16,70") == (
        "PAPER & CO | 12 Rue de Rivoli, Paris | Tel 01 42 60 00 00 | 03.11.2026 14:02 Till 2 | TOTAL EUR 16,70")


def test_a_total_already_in_the_header_is_not_repeated_and_none_is_left_out() -> None:
    assert receipt_input("KIOSK\nTOTAL 4.50\nthanks", "TOTAL 4.50") == "KIOSK | TOTAL 4.50 | thanks"
    assert receipt_input("KIOSK\n\n  \nthanks", None) == "KIOSK | thanks"


def test_long_lines_keep_their_first_words() -> None:
    text = receipt_input("A B C D E F G H I J K L\nTOTAL 1.00", "TOTAL 1.00")
    assert text == "A B C D E F G H | TOTAL 1.00"


def test_every_value_of_a_corpus_receipt_is_a_span_the_generator_can_point_at() -> None:
    tok = Tokenizer.from_file(str(SHIPPED / "generator" / "tokenizer.json"))
    slots = {s.path: s for s in compile_slots(INTERNAL_SCHEMAS[READ_RECEIPT])}
    assert {s.kind for s in slots.values()} == {"number", "currency", "text", "date"}
    rng = random.Random(11)
    for _ in range(300):
        e = example(rng)
        assert e.intent == READ_RECEIPT and "amount" in e.args
        assert len(words(e.text)) <= MAX_WORDS
        for path, value in e.args.items():
            assert gold_candidate(slots[path], value, e.text, pieces_of(tok, e.text)) is not None, (e.text, path)
