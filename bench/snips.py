"""SNIPS benchmark of the whole NLU: intent accuracy and slot F1 on a held-out part of train.

The official SNIPS validation files are not on disk, so a fixed, seeded, stratified part
of ``snips/train.jsonl`` (5%, about 100 messages per intent, the size of the official
validation set) is held out; everything else trains the intent classifier and the reply
generator exactly as ``flowdesk train`` does (SNIPS slots become the arguments of each
intent). Prints a table and writes ``bench/results/snips.json``.

    .venv/bin/python bench/snips.py [--minutes 15] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = Path(os.environ.get("FLOWDESK_SHARED_DIR") or ROOT.parent / "shared") / "data" / "snips" / "train.jsonl"
HOLD_OUT = 0.05
SEED = 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--minutes", type=float, default=15.0, help="time bound of generator training")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=SEED,
                        help="which held-out part (the figures in bench/README.md use 0 unless they say)")
    parser.add_argument("--tagger-minutes", type=float, default=10.0, help="time bound of span tagger training")
    parser.add_argument("--tagger-augment", type=int, default=None,
                        help="copies of each line with swapped values for the tagger (default: TaggerArgs')")
    parser.add_argument("--tagger-epochs", type=float, default=None,
                        help="passes of the span tagger over the training lines (default: TaggerArgs')")
    parser.add_argument("--length-buckets", action="store_true",
                        help="batch the span tagger's lines by length (faster steps)")
    parser.add_argument("--tagger-reads-intent", action="store_true",
                        help="the span tagger reads each message's intent beside its words")
    parser.add_argument("--no-tagger", action="store_true", help="measure the generator without a span tagger")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "snips.json")
    parser.add_argument("--model", type=Path, default=None,
                        help="model directory to reuse: a part already trained there is not trained again")
    opts = parser.parse_args()

    import torch
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from intents.data import load_examples, split_examples
    from intents.evaluate import evaluate_report
    from intents.generator_train import choice_paths, train_generator
    from intents.pipeline import NLU
    from intents.tagger_train import TaggerArgs, train_tagger
    from intents.train import train

    torch.set_num_threads(opts.threads)
    examples = load_examples(opts.data)
    fit, held = split_examples(examples, fraction=HOLD_OUT, seed=opts.seed)
    work = Path(tempfile.mkdtemp(prefix="snips-"))
    (work / "train.jsonl").write_text("".join(e.to_json() + "\n" for e in fit))
    model = opts.model or work / "model"
    timings = {}
    with Progress() as progress:
        if not (model / "model.json").exists():
            t0 = time.monotonic()
            train(work / "train.jsonl", model, progress=progress, generator=False)
            timings["classifier_s"] = round(time.monotonic() - t0, 1)
        if not (model / "generator" / "generator.json").exists():
            t0 = time.monotonic()
            torch.set_num_threads(opts.threads)  # the classifier's fine-tuning sets its own
            train_generator(fit, model / "generator", progress=progress, max_minutes=opts.minutes)
            timings["generator_s"] = round(time.monotonic() - t0, 1)
        tagger_extra: dict[str, float | int | bool] = {
            "threads": opts.threads, "length_buckets": opts.length_buckets,
            "intent_conditioned": opts.tagger_reads_intent}
        if opts.tagger_augment is not None:
            tagger_extra["augment_copies"] = opts.tagger_augment
        if opts.tagger_epochs is not None:
            tagger_extra["epochs"] = opts.tagger_epochs
        if not opts.no_tagger and not (model / "tagger" / "tagger.json").exists():
            t0 = time.monotonic()
            task = progress.add_task("span tagger", total=None)
            train_tagger(fit, model / "tagger", skip_paths=choice_paths(fit),
                         args=TaggerArgs(max_minutes=opts.tagger_minutes, **tagger_extra),
                         progress=lambda step, total, loss: progress.update(task, completed=step, total=total))
            timings["tagger_s"] = round(time.monotonic() - t0, 1)
    facts = json.loads((model / "generator" / "generator.json").read_text())
    facts.pop("user_intents", None)
    if opts.no_tagger and (model / "tagger").exists():
        sys.exit("--no-tagger: the model directory has a tagger; give another --model")
    nlu = NLU.load(model)
    report = evaluate_report(nlu, held)
    gold = _with_intents(nlu, held, [e.intent for e in held])
    tops = [s.top for s in nlu.classifier.predict([e.text for e in held])]  # type: ignore[union-attr]
    closed = _with_intents(nlu, held, tops)
    result = {
        "data": str(opts.data), "split": f"stratified {HOLD_OUT:.0%} of train held out, seed {opts.seed}",
        "train_examples": len(fit), "held_out_examples": len(held), **report.metrics,
        "slot_f1_given_gold_intent": gold and gold["slot_f1"], "closed_set": closed, "generator": facts,
        "tagger": nlu.tagger.meta.get("training") if nlu.tagger is not None else None, "timings": timings,
        "machine": f"{platform.machine()}, torch threads {opts.threads}",
    }
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(result, indent=2) + "\n")
    table = Table(title="SNIPS (held-out part of train)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key in ("held_out_examples", "intent_accuracy", "slot_precision", "slot_recall", "slot_f1",
                "slot_f1_given_gold_intent", "frame_accuracy", "latency_ms_p50", "latency_ms_p95"):
        table.add_row(key, str(result[key]))
    for key in ("intent_accuracy", "slot_f1", "frame_accuracy"):
        table.add_row(f"{key}, closed set", str(closed and closed[key]))
    Console().print(table)


def _with_intents(nlu: object, held: list, intents: list[str]) -> dict[str, float | None] | None:
    """The metrics when each message is given ``intents`` (None for a model without a generator).

    Two readings use it: the gold intents (the arguments alone), and the classifier's top
    intent for every message, none rejected (the closed set). SNIPS has no out-of-scope
    class: each of its messages belongs to one of the 7 intents, and the published results
    choose among those. The bot as served also rejects messages far from every intent,
    which costs in-scope ones (at most 1% of the classifier's own held-out part, by its
    threshold); the closed set leaves that rule out.
    """
    from bot.models import Parse
    from intents.evaluate import score

    if getattr(nlu, "generator", None) is None:
        return None
    args = nlu.fill([e.text for e in held], intents)  # type: ignore[attr-defined]
    parses = [Parse(intent=i, confidence=1.0, args=a) for i, a in zip(intents, args, strict=True)]
    metrics = score(held, parses, []).metrics
    return {k: metrics[k] for k in ("intent_accuracy", "slot_precision", "slot_recall", "slot_f1", "frame_accuracy")}


if __name__ == "__main__":
    main()
