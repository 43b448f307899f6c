"""The BIO chain against every valid label sequence of a small message, counted by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from intents.bio_chain import BioChain, LabelColumns

LABELS = ["O", "B-a", "I-a", "B-b", "I-b"]
INDEX = {name: i for i, name in enumerate(LABELS)}


def _valid(seq: tuple[str, ...]) -> bool:
    return all(not label.startswith("I-") or (t > 0 and seq[t - 1][2:] == label[2:])
               for t, label in enumerate(seq))


def _readings(probs: np.ndarray) -> dict[tuple[str, ...], float]:
    seqs = (s for s in itertools.product(LABELS, repeat=len(probs)) if _valid(s))
    weights = {s: float(np.prod([probs[t, INDEX[label]] for t, label in enumerate(s)])) for s in seqs}
    total = sum(weights.values())
    return {s: w / total for s, w in weights.items()}


@pytest.fixture(params=[0, 1, 2])
def probs(request) -> np.ndarray:
    rng = np.random.default_rng(request.param)
    p = rng.random((4, len(LABELS)))
    return p / p.sum(axis=1, keepdims=True)


def test_begins_absent_and_spans_equal_the_sums_over_valid_readings(probs) -> None:
    readings = _readings(probs)
    chain = BioChain(probs, LabelColumns.of(INDEX))
    n = len(probs)
    for path in ("a", "b"):
        begin, inside = "B-" + path, "I-" + path
        for t in range(n):
            assert chain.begins(path)[t] == pytest.approx(sum(w for s, w in readings.items() if s[t] == begin))
        assert chain.absent(path) == pytest.approx(sum(w for s, w in readings.items() if begin not in s))
        listed = {(i, j): p for i, j, p in chain.spans(path, max_words=n, min_prob=0.0)}
        for i in range(n):
            for j in range(i, n):
                want = sum(w for s, w in readings.items()
                           if s[i] == begin and all(s[k] == inside for k in range(i + 1, j + 1))
                           and (j + 1 == n or s[j + 1] != inside))
                assert listed[(i, j)] == pytest.approx(want)


def test_spans_below_the_floor_are_left_out(probs) -> None:
    chain = BioChain(probs, LabelColumns.of(INDEX))
    every = chain.spans("a", max_words=4, min_prob=0.0)
    kept = chain.spans("a", max_words=4, min_prob=0.05)
    assert {(i, j) for i, j, p in every if p >= 0.05} == {(i, j) for i, j, _ in kept}
    assert all(j - i < 2 for i, j, _ in chain.spans("a", max_words=2, min_prob=0.0))
