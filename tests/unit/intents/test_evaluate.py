from __future__ import annotations

from collections.abc import Sequence

from bot.models import Message, Parse
from intents.data import Example
from intents.evaluate import KEYS, evaluate, evaluate_report, normalise


class Scripted:
    """Answers with prepared parses, in order."""

    def __init__(self, parses: list[Parse]) -> None:
        self.parses = parses
        self.calls = 0

    def parse_many(self, messages: Sequence[Message]) -> list[Parse]:
        out = []
        for _ in messages:
            out.append(self.parses[self.calls % len(self.parses)])
            self.calls += 1
        return out


GOLD = [
    Example("log 3.5h on Apollo", "record.create", {"form": "timesheet", "fields": {"project": "Apollo", "hours": 3.5}}),
    Example("email @sam about lunch", "email.send", {"to": ["sam"], "subject": "lunch"}),
    Example("tell me a joke", "out_of_scope"),
    Example("what's up", "out_of_scope"),
]
PRED = [
    Parse(intent="record.create", confidence=0.9, args={"form": "Timesheet", "fields": {"project": " apollo ", "hours": 3.5}}),
    Parse(intent="email.send", confidence=0.8, args={"to": ["sam"], "subject": "lunch", "body": "hi"}),
    Parse(intent="out_of_scope", confidence=0.7),
    Parse(intent="help", confidence=0.6),
]


def _scripted() -> Scripted:
    return Scripted(PRED[:3] + PRED)  # three warm-up answers come first


def test_metrics_have_exactly_the_spec_keys_and_values() -> None:
    m = evaluate(_scripted(), GOLD)
    assert tuple(m) == KEYS
    assert m["examples"] == 4
    assert m["intent_accuracy"] == 1.0
    assert m["oos_recall"] == 0.5 and m["oos_precision"] == 1.0
    assert m["slot_precision"] == round(5 / 6, 4) and m["slot_recall"] == 1.0
    assert m["frame_accuracy"] == 0.5  # the extra body argument makes the email frame wrong
    assert m["latency_ms_p50"] is not None and m["latency_ms_p95"] >= m["latency_ms_p50"]


def test_report_lists_the_worst_confusions() -> None:
    report = evaluate_report(_scripted(), GOLD)
    assert report.confusions == [("out_of_scope", "help", 1)]
    assert report.per_intent["out_of_scope"]["recall"] == 0.5


def test_normalisation() -> None:
    assert normalise("  'The  Q3 Budget.' ") == "the q3 budget"
    assert normalise(1200) == normalise(1200.0) == 1200.0
    assert normalise(["B", "a"]) == ("b", "a")
