from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot.errors import DatasetError, NLUError
from intents.classifier import IntentClassifier
from tests.unit.intents.conftest import OOS_PROBES, TINY, write_tiny


def test_trained_model_directory_describes_itself(tiny_model: Path) -> None:
    manifest = json.loads((tiny_model / "model.json").read_text())
    assert manifest["name"].startswith("flowdesk.intents.") and manifest["version"]
    assert manifest["labels"] == sorted(TINY)
    assert 0.0 < manifest["threshold"]["value"] < 1.0
    assert len(manifest["data"]["sha256"]) == 64
    assert manifest["data"]["examples"] == sum(len(v) for v in TINY.values())
    assert "held_out_intent_accuracy" in manifest["metrics"]
    assert (tiny_model / "head.npz").exists() and (tiny_model / "encoder.safetensors").exists()
    size = sum(p.stat().st_size for p in tiny_model.iterdir())
    assert size < 12_000_000  # the pretrained encoder is not copied


def test_tiny_model_predicts_its_intents_and_rejects_others(tiny_model: Path) -> None:
    clf = IntentClassifier.from_pretrained(tiny_model)
    texts = [t for texts in TINY.values() for t in texts]
    got = [s.intent for s in clf.predict(texts)]
    want = [i for i, texts in TINY.items() for _ in texts]
    assert sum(g == w for g, w in zip(got, want)) >= 0.9 * len(want)
    unseen = clf.predict(["could you order me a hot chocolate", "is it windy in Bergen today"])
    assert [s.intent for s in unseen] == ["coffee.order", "weather.get"]
    rejected = [s.intent for s in clf.predict(OOS_PROBES)]
    assert rejected.count("out_of_scope") >= 3, rejected


def test_confidence_is_a_probability(tiny_model: Path) -> None:
    clf = IntentClassifier.from_pretrained(tiny_model)
    for s in clf.predict(["order me a latte", "who wrote Moby Dick"]):
        assert 0.0 <= s.confidence <= 1.0
        assert s.alternatives[0][0] == s.top


@pytest.mark.parametrize("bad", ["{oops", json.dumps({"intent": "coffee.order"}),
                                 json.dumps({"text": "lonely", "intent": "solo"})])
def test_bad_data_writes_nothing(tmp_path: Path, bad: str) -> None:
    from intents.train import train

    data = write_tiny(tmp_path / "d.jsonl")
    data.write_text(data.read_text() + bad + "\n")
    with pytest.raises(DatasetError) as info:
        train(data, tmp_path / "out", generator=False)
    assert info.value.line == 31
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.jsonl"]


def test_refuses_to_overwrite_a_directory_that_is_not_a_model(tmp_path: Path) -> None:
    from intents.train import train

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(NLUError):
        train(write_tiny(tmp_path / "d.jsonl"), tmp_path / "out", generator=False)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["notes.txt"]


def test_rejection_needs_a_low_cosine_and_an_unsure_top_intent(tiny_model: Path) -> None:
    manifest = json.loads((tiny_model / "model.json").read_text())
    assert "probability" in manifest["threshold"]
    clf = IntentClassifier.from_pretrained(tiny_model)
    clf.threshold, clf.probability_floor = 0.99, 0.5
    sure = np.array([0.9] + [0.1 / (len(clf.labels) - 1)] * (len(clf.labels) - 1))
    unsure = np.full(len(clf.labels), 1.0 / len(clf.labels))
    assert clf._decide(sure, best_cosine=0.3).intent == clf.labels[0]
    assert clf._decide(unsure, best_cosine=0.3).intent == "out_of_scope"
    assert clf._decide(unsure, best_cosine=0.995).intent != "out_of_scope"


def test_a_model_without_a_probability_floor_rejects_on_the_cosine_alone(tiny_model: Path, tmp_path: Path) -> None:
    import shutil

    old = tmp_path / "old"
    shutil.copytree(tiny_model, old)
    manifest = json.loads((old / "model.json").read_text())
    manifest["threshold"].pop("probability", None)
    (old / "model.json").write_text(json.dumps(manifest))
    clf = IntentClassifier.from_pretrained(old)
    sure = np.array([0.99] + [0.01 / (len(clf.labels) - 1)] * (len(clf.labels) - 1))
    assert clf._decide(sure, best_cosine=clf.threshold - 0.01).intent == "out_of_scope"


def test_internal_actions_are_not_taught_to_the_classifier(tmp_path: Path) -> None:
    """``receipt.read`` is asked for by the bot itself: no message is ever classified as one."""
    from intents.train import train

    data = write_tiny(tmp_path / "d.jsonl")
    receipts = [{"text": f"KIOSK {i} | TOTAL {i}.50", "intent": "receipt.read", "args": {"amount": i + 0.5}}
                for i in range(1, 4)]
    with data.open("a") as f:
        f.writelines(json.dumps(r) + "\n" for r in receipts)
    manifest = json.loads((train(data, tmp_path / "m", generator=False) / "model.json").read_text())
    assert manifest["labels"] == sorted(TINY)
    assert manifest["data"]["intents"]["receipt.read"] == 3
    assert manifest["training"]["fit_examples"] + manifest["training"]["held_out"] == sum(map(len, TINY.values()))


def test_a_dataset_of_internal_actions_alone_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    from intents.train import train

    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"text": f"KIOSK | TOTAL {i}.50", "intent": "receipt.read"}) + "\n"
                            for i in range(3)))
    with pytest.raises(NLUError, match="no in-scope intent"):
        train(data, tmp_path / "m", generator=False)
    assert not (tmp_path / "m").exists()
