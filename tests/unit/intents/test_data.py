from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.errors import DatasetError
from intents.data import data_sha256, load_examples, split_examples


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = [
    json.dumps({"text": "log 3.5h on Apollo", "intent": "record.create",
                "args": {"form": "timesheet", "fields": {"project": "Apollo", "hours": 3.5}}}),
    json.dumps({"text": "log 2h on Zephyr", "intent": "record.create"}),
    json.dumps({"text": "what's the weather in Oslo", "intent": "out_of_scope"}),
    "",
    json.dumps({"text": "tell me a joke", "intent": "out_of_scope", "now": "2026-11-20T09:00:00Z"}),
]


def test_reads_examples_with_their_line_numbers(tmp_path: Path) -> None:
    examples = load_examples(_write(tmp_path / "d.jsonl", GOOD), min_per_intent=2)
    assert [e.line for e in examples] == [1, 2, 3, 5]
    assert examples[0].args["fields"]["hours"] == 3.5
    assert examples[3].now == "2026-11-20T09:00:00Z"


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"intent": "help"}), "'text'"),
        (json.dumps({"text": "hi"}), "'intent'"),
        (json.dumps({"text": "hi", "intent": "help", "args": [1]}), "'args' must be an object"),
        (json.dumps({"text": "hi", "intent": "help", "now": "yesterday"}), "ISO 8601"),
        (json.dumps({"text": "hi", "intent": "email.send", "args": {"to": "a@b.c"}}), "'to'"),
        (json.dumps({"text": "hi", "intent": "approval.request", "args": {"colour": "red"}}), "colour"),
    ],
)
def test_a_bad_line_is_named_by_its_number(tmp_path: Path, bad: str, words: str) -> None:
    path = _write(tmp_path / "d.jsonl", [GOOD[0], GOOD[1], bad])
    with pytest.raises(DatasetError) as info:
        load_examples(path)
    assert info.value.line == 3
    assert words in info.value.reason
    assert str(info.value).startswith(f"{path}:3:")


def test_an_intent_with_one_example_cannot_be_trained(tmp_path: Path) -> None:
    one = json.dumps({"text": "cancel APR-1042", "intent": "approval.cancel"})
    path = _write(tmp_path / "d.jsonl", [GOOD[0], GOOD[1], one])
    assert len(load_examples(path)) == 3  # fine for evaluation
    with pytest.raises(DatasetError) as info:
        load_examples(path, min_per_intent=2)
    assert info.value.line == 3
    assert "approval.cancel" in info.value.reason


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not found"):
        load_examples(tmp_path / "nope.jsonl")
    with pytest.raises(DatasetError, match="no examples"):
        load_examples(_write(tmp_path / "empty.jsonl", [""]))


def test_hash_follows_the_bytes(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.jsonl", GOOD)
    b = _write(tmp_path / "b.jsonl", GOOD)
    assert data_sha256(a) == data_sha256(b)
    _write(b, GOOD[:2])
    assert data_sha256(a) != data_sha256(b)


def test_split_holds_out_each_intent_and_is_reproducible(tmp_path: Path) -> None:
    examples = load_examples(_write(tmp_path / "d.jsonl", GOOD))
    keep, held = split_examples(examples, fraction=0.5, seed=3)
    assert {e.intent for e in held} == {"record.create", "out_of_scope"}
    assert {e.intent for e in keep} == {"record.create", "out_of_scope"}
    assert split_examples(examples, fraction=0.5, seed=3) == (keep, held)
