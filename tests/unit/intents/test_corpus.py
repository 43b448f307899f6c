from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from intents.corpus.build import COUNTS, build, main
from intents.data import load_examples
from intents.evaluate import normalise


def test_corpus_is_deterministic_and_valid(tmp_path: Path) -> None:
    assert [e.text for e in build(seed=3)][:50] == [e.text for e in build(seed=3)][:50]
    main(["--seed", "3", "--out", str(tmp_path / "c.jsonl")])
    examples = load_examples(tmp_path / "c.jsonl", min_per_intent=2)
    assert set(Counter(e.intent for e in examples)) == set(COUNTS)
    assert len(examples) > 2000


def test_arguments_are_copied_from_the_text_as_the_spec_says() -> None:
    for e in build(seed=5)[:1500]:
        text = normalise(e.text)
        for key in ("subject", "reason", "body", "request_id"):
            if key in e.args:
                assert normalise(e.args[key]) in text, (e.text, key)
        people = [e.args["approver"]] if "approver" in e.args else e.args.get("to", [])
        for person in people:
            assert not person.startswith(("@", "<")), e.text
            assert normalise(person) in text
            if "@" in person:
                assert person == person.lower()
        if "amount" in e.args:
            assert isinstance(e.args["amount"], int | float)
        if e.now is None and e.intent == "record.create":
            date = e.args.get("fields", {}).get("date")
            assert date is None or date in e.text


def test_shipped_corpus_is_what_the_builder_writes(tmp_path: Path) -> None:
    shipped = Path(__file__).parents[3] / "intents" / "corpus" / "builtin.jsonl"
    main(["--out", str(tmp_path / "c.jsonl")])
    assert (tmp_path / "c.jsonl").read_bytes() == shipped.read_bytes()


def test_the_built_in_corpus_never_contains_a_measurement_sentence() -> None:
    """dev_requests.jsonl is for measuring only: none of its sentences may be trained on."""
    import json
    import os

    shared = Path(os.environ.get("FLOWDESK_SHARED_DIR") or Path(__file__).resolve().parents[4] / "shared")
    dev = shared / "data" / "dev_requests.jsonl"
    if not dev.is_file():
        pytest.skip(f"{dev} is not here (it sits beside the repository in CI)")
    measured = {json.loads(line)["text"].strip().lower() for line in dev.read_text().splitlines() if line.strip()}
    corpus = Path(__file__).parents[3] / "intents" / "corpus" / "builtin.jsonl"
    trained = {json.loads(line)["text"].strip().lower() for line in corpus.read_text().splitlines() if line.strip()}
    assert not measured & trained
