"""``evaluate``: the metrics of spec/actions.md on a labelled dataset, plus a per-intent report.

Every example goes through the whole NLU one at a time (as in serving), after a warm-up,
so latency is what a user would see for a single message.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from bot.models import Message, Parse
from intents.data import Example
from intents.labels import OUT_OF_SCOPE

KEYS = ("examples", "intent_accuracy", "oos_recall", "oos_precision", "slot_precision",
        "slot_recall", "slot_f1", "frame_accuracy", "latency_ms_p50", "latency_ms_p95")
WARM_UP = 3
_PUNCT = " \t\n\"'`‘’“”.,;:!?()[]{}<>"


class Parser(Protocol):
    def parse_many(self, messages: Sequence[Message]) -> list[Parse]: ...


@dataclass
class Report:
    """``metrics`` has exactly the keys of actions.md; the rest is for people reading the table."""

    metrics: dict[str, Any]
    per_intent: dict[str, dict[str, float | int]] = field(default_factory=dict)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)
    predictions: list[Parse] = field(default_factory=list)


def normalise(value: Any) -> Any:
    """Compare values as actions.md says: folded strings, numbers as floats, lists in order."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return re.sub(r"\s+", " ", value.casefold()).strip(_PUNCT)
    if isinstance(value, list | tuple):
        return tuple(normalise(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, normalise(v)) for k, v in value.items()))
    return value


def triples(intent: str, args: dict[str, Any], prefix: str = "") -> Counter[tuple[str, str, Any]]:
    """(intent, argument path, normalised value); nested objects flatten to ``fields.hours``."""
    out: Counter[tuple[str, str, Any]] = Counter()
    for key, value in args.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(triples(intent, value, f"{path}."))
        else:
            out[(intent, path, normalise(value))] += 1
    return out


def to_message(example: Example, n: int = 0) -> Message:
    return Message(platform="test", user="eval", id=f"eval-{n}", text=example.text)


def run(nlu: Parser, examples: Sequence[Example]) -> tuple[list[Parse], list[float]]:
    """Parse each example alone, timing it; the first few messages warm the model up first."""
    for e in list(examples)[:WARM_UP]:
        nlu.parse_many([to_message(e)])
    parses, ms = [], []
    for n, e in enumerate(examples):
        start = time.perf_counter()
        parses.extend(nlu.parse_many([to_message(e, n)]))
        ms.append((time.perf_counter() - start) * 1000)
    return parses, ms


def evaluate(nlu: Parser, examples: Sequence[Example]) -> dict[str, Any]:
    """The metrics of actions.md (exactly its keys)."""
    return evaluate_report(nlu, examples).metrics


def evaluate_report(nlu: Parser, examples: Sequence[Example]) -> Report:
    parses, ms = run(nlu, examples)
    return score(examples, parses, ms)


def score(examples: Sequence[Example], parses: Sequence[Parse], ms: Sequence[float]) -> Report:
    """Metrics from gold examples and the NLU's parses (``ms``: latency of each)."""
    gold = [e.intent for e in examples]
    pred = [p.intent for p in parses]
    in_scope = [i for i, g in enumerate(gold) if g != OUT_OF_SCOPE]
    oos = [i for i, g in enumerate(gold) if g == OUT_OF_SCOPE]
    said_oos = [i for i, p in enumerate(pred) if p == OUT_OF_SCOPE]
    tp = fp = fn = frames = 0
    for e, p in zip(examples, parses, strict=True):
        g_t, p_t = triples(e.intent, e.args), triples(p.intent, dict(p.args))
        hit = sum((g_t & p_t).values())
        tp, fp, fn = tp + hit, fp + sum(p_t.values()) - hit, fn + sum(g_t.values()) - hit
        frames += int(e.intent == p.intent and g_t == p_t)
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = None
    if precision is not None and recall is not None:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    metrics = {
        "examples": len(examples),
        "intent_accuracy": _share(sum(pred[i] == gold[i] for i in in_scope), len(in_scope)),
        "oos_recall": _share(sum(pred[i] == OUT_OF_SCOPE for i in oos), len(oos)),
        "oos_precision": _share(sum(gold[i] == OUT_OF_SCOPE for i in said_oos), len(said_oos)),
        "slot_precision": _round(precision), "slot_recall": _round(recall), "slot_f1": _round(f1),
        "frame_accuracy": _share(frames, len(examples)),
        "latency_ms_p50": _round(float(np.percentile(ms, 50))) if len(ms) else None,
        "latency_ms_p95": _round(float(np.percentile(ms, 95))) if len(ms) else None,
    }
    return Report(metrics=metrics, per_intent=per_intent(gold, pred),
                  confusions=worst_pairs(gold, pred), predictions=list(parses))


def per_intent(gold: Sequence[str], pred: Sequence[str]) -> dict[str, dict[str, float | int]]:
    """Support, precision, recall and F1 of each intent (gold or predicted)."""
    out: dict[str, dict[str, float | int]] = {}
    for label in sorted(set(gold) | set(pred)):
        tp = sum(g == p == label for g, p in zip(gold, pred, strict=True))
        n_pred, n_gold = pred.count(label), gold.count(label)
        p = tp / n_pred if n_pred else 0.0
        r = tp / n_gold if n_gold else 0.0
        out[label] = {"support": n_gold, "precision": round(p, 4), "recall": round(r, 4),
                      "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}
    return out


def worst_pairs(gold: Sequence[str], pred: Sequence[str], limit: int = 10) -> list[tuple[str, str, int]]:
    """The most frequent (gold, predicted) mistakes."""
    pairs = Counter((g, p) for g, p in zip(gold, pred, strict=True) if g != p)
    return [(g, p, n) for (g, p), n in pairs.most_common(limit)]


def _share(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)
