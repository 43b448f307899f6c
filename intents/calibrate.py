"""Confidence calibration and the out-of-scope threshold, fitted on held-out examples.

Pure numpy, so it is cheap to test. Temperature scaling (Guo et al., 2017) makes the top
softmax probability a calibrated confidence. Out-of-scope is decided on the best cosine:
without out-of-scope examples its threshold is set from in-scope ones alone (a
false-rejection budget); with them it also maximises out-of-scope recall, and a second cut
on the calibrated probability may spare messages the classifier is sure of though they lie
far from every intent (``choose_rejection``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_FALSE_REJECT = 0.01
"""Share of correctly classified held-out in-scope messages the threshold may reject."""
MAX_FALSE_REJECT_WITH_OOS = 0.01
"""The same budget when out-of-scope examples show what a higher threshold buys; they are
usually few, so an unbounded trade would give up many in-scope messages for one of them."""


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = logits / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Temperature minimising the negative log-likelihood of ``labels`` (grid search in log space).

    Bounded to [0.5, 10]: with few held-out examples, all classified right, the unbounded
    optimum is a temperature near zero that makes every confidence 1.0.
    """
    if len(labels) == 0:
        return 1.0
    best_t, best_nll = 1.0, np.inf
    for t in np.exp(np.linspace(np.log(0.5), np.log(10.0), 160)):
        p = softmax(logits, float(t))[np.arange(len(labels)), labels]
        nll = float(-np.log(np.clip(p, 1e-12, None)).mean())
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return best_t


@dataclass(frozen=True)
class Threshold:
    """The chosen cut, and how it was chosen (stored with the model).

    A message is rejected when its score is under ``value`` and, where ``probability`` is
    set, its calibrated top probability is under ``probability`` as well.
    """

    value: float
    rule: str
    held_out_in_scope: int
    held_out_oos: int
    probability: float | None = None

    def rejects(self, score: np.ndarray, probability: np.ndarray) -> np.ndarray:
        """Which messages the cut rejects, given their best cosine and top probability."""
        return rejected(score, probability, self.value, self.probability)


def rejected(score: Any, probability: Any, threshold: float, floor: float | None) -> Any:
    """The out-of-scope rule, for one message or arrays of them: the best cosine is under the
    threshold and the top probability under the floor (no floor: the cosine decides alone)."""
    return (score < threshold) & (probability < (np.inf if floor is None else floor))


def choose_threshold(
    conf_in: np.ndarray,
    correct_in: np.ndarray,
    conf_oos: np.ndarray | None = None,
    *,
    max_false_reject: float = MAX_FALSE_REJECT,
    max_false_reject_with_oos: float = MAX_FALSE_REJECT_WITH_OOS,
) -> Threshold:
    """Pick the out-of-scope threshold.

    Args:
        conf_in: confidence of each held-out in-scope message.
        correct_in: whether its top intent was right.
        conf_oos: confidence of each held-out out-of-scope message (None or empty: none known).
        max_false_reject: budget of correct in-scope predictions the threshold may reject.
        max_false_reject_with_oos: the budget when out-of-scope examples are known.
    """
    ok = np.sort(conf_in[correct_in.astype(bool)])
    if len(ok) == 0:
        return Threshold(0.0, "no correct held-out prediction", len(conf_in), 0)
    if conf_oos is None or len(conf_oos) == 0:
        rule = f"reject at most {max_false_reject:.0%} of correct held-out in-scope predictions"
        return Threshold(_quantile(ok, max_false_reject), rule, len(conf_in), 0)
    cap = _quantile(ok, max_false_reject_with_oos)
    candidates = np.unique(np.concatenate([conf_in, conf_oos, [cap]]))
    candidates = candidates[candidates <= cap]
    best, best_score = cap, -1.0
    for t in candidates:
        in_acc = float(np.mean(correct_in.astype(bool) & (conf_in >= t)))
        recall = float(np.mean(conf_oos < t))
        if in_acc + recall > best_score:
            best, best_score = float(t), in_acc + recall
    rule = (
        "maximise held-out in-scope accuracy + out-of-scope recall, rejecting at most "
        f"{max_false_reject_with_oos:.0%} of correct in-scope predictions"
    )
    return Threshold(best, rule, len(conf_in), len(conf_oos))


def choose_rejection(
    cos_in: np.ndarray,
    prob_in: np.ndarray,
    correct_in: np.ndarray,
    cos_oos: np.ndarray | None = None,
    prob_oos: np.ndarray | None = None,
    *,
    max_false_reject: float = MAX_FALSE_REJECT_WITH_OOS,
) -> Threshold:
    """Pick a cosine threshold and a probability floor together: reject when both are low.

    The cosine says how far a message lies from every intent; the calibrated probability
    says how sure the classifier is of its top intent. Held-out requests that are worded
    unlike the training lines can lie far from every intent yet be classified right with
    probability near 1, while out-of-scope messages near the threshold share their
    probability among intents. Both cuts are chosen on held-out messages to maximise in-scope
    accuracy + out-of-scope recall while rejecting at most ``max_false_reject`` of the
    correct in-scope predictions; the cosine-only rule (no floor) is one of the candidates,
    so on held-out data the pair is never worse than ``choose_threshold``. Cuts lie halfway
    between neighbouring held-out scores. Without out-of-scope examples there is nothing to
    trade against and ``choose_threshold`` decides alone.
    """
    if cos_oos is None or prob_oos is None or len(cos_oos) == 0:
        return choose_threshold(cos_in, correct_in)
    ok = correct_in.astype(bool)
    if not ok.any():
        return choose_threshold(cos_in, correct_in, cos_oos)
    budget = int(np.floor(max_false_reject * ok.sum()))
    n_in, n_oos = len(cos_in), len(cos_oos)
    floors = np.concatenate([_midpoints(np.concatenate([prob_in, prob_oos])), [np.inf]])
    cuts = _midpoints(np.concatenate([cos_in, cos_oos]))
    best = (-np.inf, 0.0, np.inf)  # (score, cut, floor); the first cut always replaces it
    for cut, false_rejects, oos_rejects in rejection_counts(cos_in[ok], prob_in[ok], cos_oos, prob_oos,
                                                           cuts, floors):
        allowed = false_rejects <= budget  # the lowest floor rejects nothing: never empty
        score = (ok.sum() - false_rejects) / n_in + oos_rejects / n_oos
        score = np.where(allowed, score, -np.inf)
        i = int(np.argmax(score))
        if score[i] > best[0] + 1e-12:
            best = (float(score[i]), float(cut), float(floors[i]))
    _, cut, floor = best
    rule = (
        "maximise held-out in-scope accuracy + out-of-scope recall, rejecting at most "
        f"{max_false_reject:.0%} of correct in-scope predictions; reject when the best cosine "
        "is under the threshold" + ("" if np.isinf(floor) else " and the top probability under its floor")
    )
    return Threshold(cut, rule, n_in, n_oos, None if np.isinf(floor) else floor)


def rejection_counts(
    cos_in: np.ndarray, prob_in: np.ndarray, cos_oos: np.ndarray, prob_oos: np.ndarray,
    cuts: np.ndarray, floors: np.ndarray,
) -> Iterator[tuple[float, np.ndarray, np.ndarray]]:
    """For each cosine cut, how many in-scope and out-of-scope messages each floor rejects.

    Sorting the messages under a cut by probability turns every floor into one binary
    search, so all pairs of cuts are counted in O(cuts x n log n).
    """
    for cut in cuts:
        rejected_in = np.searchsorted(np.sort(prob_in[cos_in < cut]), floors)
        rejected_oos = np.searchsorted(np.sort(prob_oos[cos_oos < cut]), floors)
        yield float(cut), rejected_in, rejected_oos


def _midpoints(values: np.ndarray) -> np.ndarray:
    """Cuts halfway between neighbouring distinct values, plus one under the lowest."""
    v = np.unique(values)
    if len(v) == 0:
        return v
    return np.concatenate([[v[0] - 1e-6], (v[:-1] + v[1:]) / 2])


def _quantile(sorted_ok: np.ndarray, share: float) -> float:
    """The confidence below which ``share`` of the sorted correct confidences fall."""
    return float(sorted_ok[min(int(np.floor(share * len(sorted_ok))), len(sorted_ok) - 1)])


def expected_calibration_error(conf: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """ECE: how far confidence is from accuracy, averaged over equal-width confidence bins."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        sel = (conf > lo) & (conf <= hi)
        if sel.any():
            total += sel.mean() * abs(float(correct[sel].mean()) - float(conf[sel].mean()))
    return total
