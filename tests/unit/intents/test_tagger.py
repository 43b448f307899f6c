"""The span tagger: word segmentation, gold labels, span probabilities, and a tiny training."""

from __future__ import annotations

import numpy as np
import pytest

from intents.data import Example
from intents.tagger import OUTSIDE, SpanTagger, Tagging, gold_labels, words


def _surface(text: str) -> list[str]:
    return [text[a:b] for a, b in words(text)]


def test_mentions_and_emails_are_single_words_and_currency_symbols_stand_alone() -> None:
    text = "ask <@U024BE7LH> and dana.kim@example.com to approve £640 (the 3 extra monitors),"
    assert _surface(text) == ["ask", "<@U024BE7LH>", "and", "dana.kim@example.com", "to", "approve",
                              "£", "640", "(", "the", "3", "extra", "monitors", ")", ","]


def test_teams_mentions_and_trailing_periods() -> None:
    assert _surface("<at>Dana Kim</at> approve release 4.2.") == ["<at>Dana Kim</at>", "approve", "release",
                                                                  "4.2", "."]


def test_gold_labels_mark_each_argument_where_the_message_states_it() -> None:
    text = "ask @jordan to approve my travel to Berlin, 850 EUR"
    args = {"approver": "jordan", "subject": "my travel to Berlin", "amount": 850, "currency": "EUR"}
    labels = gold_labels(text, words(text), args, frozenset())
    assert list(zip(_surface(text), labels, strict=True)) == [
        ("ask", OUTSIDE), ("@jordan", "B-approver"), ("to", OUTSIDE), ("approve", OUTSIDE),
        ("my", "B-subject"), ("travel", "I-subject"), ("to", "I-subject"), ("Berlin", "I-subject"),
        (",", OUTSIDE), ("850", "B-amount"), ("EUR", "B-currency"),
    ]


def test_choices_and_unstated_values_get_no_label() -> None:
    text = "show my orders"
    labels = gold_labels(text, words(text), {"form": "order", "filters": {"customer": "Acme"}},
                         frozenset({"form"}))
    assert labels == [OUTSIDE] * 3


def test_span_probabilities_follow_begin_and_inside_marks() -> None:
    index = {OUTSIDE: 0, "B-subject": 1, "I-subject": 2}
    probs = np.array([[1.0, 0.0, 0.0],   # approve
                      [0.1, 0.9, 0.0],   # the
                      [0.2, 0.0, 0.8],   # new
                      [0.5, 0.0, 0.5]])  # laptop
    tagging = Tagging(words=[(0, 7), (8, 11), (12, 15), (16, 22)], probs=probs, index=index)
    found = {(a, b): p for a, b, p in tagging.spans("subject")}
    # the valid readings: an I follows a B or an I, so after an O "new" and "laptop" are O
    total = 0.1 * 0.2 * 0.5 + 0.9 * 0.8 * (0.5 + 0.5) + 0.9 * 0.2 * 0.5
    assert found[(8, 22)] == pytest.approx(0.9 * 0.8 * 0.5 / total)
    assert found[(8, 15)] == pytest.approx(0.9 * 0.8 * 0.5 / total)
    assert found[(8, 11)] == pytest.approx(0.9 * 0.2 * 0.5 / total)
    assert tagging.absent("subject") == pytest.approx(0.1 * 0.2 * 0.5 / total)
    assert tagging.begins("subject", 8, 11) == pytest.approx((total - 0.1 * 0.2 * 0.5) / total)
    assert tagging.spans("reason") == [] and tagging.absent("reason") == 1.0
    assert tagging.begins("reason", 0, 22) == 0.0


def test_a_name_whose_type_the_tagger_doubts_stays_whole() -> None:
    index = {OUTSIDE: 0, "B-city": 1, "I-city": 2, "B-country": 3, "I-country": 4}
    probs = np.array([[0.9, 0.04, 0.02, 0.02, 0.02],   # weather
                      [0.9, 0.04, 0.02, 0.02, 0.02],   # in
                      [0.05, 0.6, 0.0, 0.35, 0.0],     # Barnum
                      [0.04, 0.0, 0.35, 0.01, 0.6]])   # Island
    tagging = Tagging(words=[(0, 7), (8, 10), (11, 17), (18, 24)], probs=probs, index=index)
    city = {(a, b): p for a, b, p in tagging.spans("city")}
    # word by word, "Barnum" alone (0.6 x 0.65) would beat "Barnum Island" (0.6 x 0.35);
    # as a chain, "Island" after a B-city is I-city or begins nothing likely
    assert max(city, key=city.__getitem__) == (11, 24)
    assert city.get((11, 17), 0.0) < city[(11, 24)] / 5
    country = tagging.spans("country")[0]
    assert (country[0], country[1]) == (11, 24)


def test_a_tiny_tagger_learns_its_lines(tmp_path) -> None:
    from intents.tagger_train import TaggerArgs, train_tagger

    lines = []
    for thing, who in [("the new laptop", "ana"), ("a standing desk", "omar"), ("two monitors", "li"),
                       ("the Berlin trip", "sam"), ("a training course", "kim"), ("new chairs", "raj")]:
        for verb in ("please approve", "can you approve", "I need you to approve"):
            lines.append(Example(text=f"@{who} {verb} {thing}", intent="approval.request",
                                 args={"approver": who, "subject": thing}))
    facts = train_tagger(lines, tmp_path / "tagger", args=TaggerArgs(epochs=6, max_minutes=2, batch_size=8,
                                                                     lr=3e-4, head_lr=5e-3))
    assert facts is not None and facts["labels"] == 5
    tagger = SpanTagger.from_pretrained(tmp_path / "tagger")
    [tagging] = tagger.tag_many(["@ana can you approve the Berlin trip"])
    text = "@ana can you approve the Berlin trip"
    best = tagging.spans("subject")[0]
    assert text[best[0]:best[1]] == "the Berlin trip"
    assert tagging.begins("approver", 0, 4) > 0.5


def test_intent_names_read_as_words() -> None:
    from intents.tagger import intent_words

    assert intent_words("approval.request") == ["approval", "request"]
    assert intent_words("AddToPlaylist") == ["add", "to", "playlist"]
    assert intent_words("data_entry.create") == ["data", "entry", "create"]


def test_with_intents_each_word_is_read_in_the_message_segment() -> None:
    from intents.encoder import Encoder
    from intents.tagger import word_batch

    text, encoder = "approve the laptop", Encoder.fresh()
    batch = word_batch(encoder, [text], [words(text)], ["approval.request"])
    pieces = batch["input_ids"][0].tolist()
    first = [encoder.tokenizer.convert_ids_to_tokens(pieces[k]) for k in batch["first_piece"][0]]
    assert first == ["approve", "the", "laptop"]
    assert batch["token_type_ids"][0, batch["first_piece"][0][0]] == 1


def test_a_tagger_that_reads_intents_labels_the_same_words_by_intent(tmp_path) -> None:
    from bot.errors import NLUError
    from intents.tagger_train import TaggerArgs, train_tagger

    lines = []
    for day in ("friday", "monday", "tuesday", "sunday", "thursday", "saturday"):
        for lead in ("set it for", "put it on", "make it"):
            lines.append(Example(text=f"{lead} {day}", intent="meeting.book", args={"day": day}))
            lines.append(Example(text=f"{lead} {day}", intent="task.create", args={"due": day}))
    facts = train_tagger(lines, tmp_path / "tagger", args=TaggerArgs(
        epochs=8, max_minutes=2, batch_size=8, lr=3e-4, head_lr=5e-3, intent_conditioned=True))
    assert facts is not None
    tagger = SpanTagger.from_pretrained(tmp_path / "tagger")
    assert tagger.reads_intent
    text = "put it on wednesday"
    meeting, task = tagger.tag_many([text, text], ["meeting.book", "task.create"])
    assert meeting.begins("day", 10, 19) > 0.5 > meeting.begins("due", 10, 19)
    assert task.begins("due", 10, 19) > 0.5 > task.begins("day", 10, 19)
    with pytest.raises(NLUError):
        tagger.tag_many([text])


def test_length_buckets_keep_every_line_once_and_batch_similar_lengths() -> None:
    import random

    from intents.tagger_train import TaggerArgs, _batches

    rows = [(f"line {n}", [(0, 1)] * (n % 13 + 1), [OUTSIDE] * (n % 13 + 1), "x") for n in range(200)]
    batches = _batches(rows, TaggerArgs(batch_size=8, length_buckets=True), random.Random(0))
    assert sorted(r[0] for b in batches for r in b) == sorted(r[0] for r in rows)
    spread = [max(len(r[1]) for r in b) - min(len(r[1]) for r in b) for b in batches]
    plain = _batches(rows, TaggerArgs(batch_size=8), random.Random(0))
    assert sum(spread) < sum(max(len(r[1]) for r in b) - min(len(r[1]) for r in b) for b in plain) / 3
