"""Training of the span tagger: the layers of a private MiniLM copy plus a linear BIO head.

Training only (imports optimisers). The token embeddings stay frozen, so a few epochs on
a CPU suffice, and the directory stores only the changed layers (packed as int8,
:mod:`intents.packed_weights`) and the head.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from intents.encoder import Encoder
from intents.finetune import budget_schedule, changed_state, trainable_prefixes
from intents.labels import OUT_OF_SCOPE
from intents.tagger import (
    CONFIG,
    ENCODER_WEIGHTS,
    HEAD_WEIGHTS,
    OUTSIDE,
    TAGGER_NAME,
    gold_labels,
    word_batch,
    words,
)

Progress = Callable[[int, int, float], None]
Row = tuple[str, list[tuple[int, int]], list[str], str]
"""A training line: text, word spans, their BIO labels, intent."""
IGNORE = -100
POOL_BATCHES = 50


@dataclass(frozen=True)
class TaggerArgs:
    """Hyper-parameters of the tagger's fine-tuning."""

    epochs: float = 2.0
    """Passes over the training lines, augmented copies included."""
    augment_copies: int = 2
    """Copies of each line with its free-text values swapped for unrelated phrases, so that
    span edges are learned from the words around a value rather than from the value."""
    batch_size: int = 32
    frozen_layers: int = 0
    """MiniLM layers left as pretrained. With all six tuned, five variants of the recipe read
    dev slot F1 0.87-0.90; with three, 0.83. The tuned layers are stored as int8 to keep the
    model small."""
    lr: float = 1e-4
    head_lr: float = 2e-3
    max_minutes: float = 20.0
    """A bound for slow machines: the recipe plans about 500 steps, 9-14 minutes on 2 cores."""
    min_steps: int = 30
    threads: int = 1
    intent_conditioned: bool = False
    """Read each message's intent beside its words (the pipeline passes the classifier's)."""
    length_buckets: bool = False
    """Batch lines of similar length together: less padding, a fifth to a quarter fewer
    seconds per step on 2 cores."""
    seed: int = 0


def train_tagger(
    examples: Sequence[Any], out_dir: Path, *, skip_paths: frozenset[str] = frozenset(),
    args: TaggerArgs = TaggerArgs(), progress: Progress | None = None,
) -> dict[str, Any] | None:
    """Fine-tune a tagger on the arguments the examples state; None when none states any.

    Args:
        examples: labelled examples (``text``, ``intent``, ``args``) as ``intents.data`` reads them.
        out_dir: directory to write (created).
        skip_paths: argument paths that are choices rather than spans (``form``, ``scope``).
    """
    import torch

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rows = _rows([*examples, *_augmented(examples, args)], skip_paths)
    labels = _label_set(rows)
    if len(labels) == 1:
        return None
    index = {name: i for i, name in enumerate(labels)}
    encoder = Encoder.fresh()
    model = encoder.model
    prefixes = trainable_prefixes(encoder, args.frozen_layers)
    for name, p in model.named_parameters():
        p.requires_grad = any(name.startswith(pre) for pre in prefixes)
    head = torch.nn.Linear(encoder.dim, len(labels))
    opt = torch.optim.AdamW(
        [{"params": [p for p in model.parameters() if p.requires_grad], "lr": args.lr},
         {"params": head.parameters(), "lr": args.head_lr}], weight_decay=0.01)
    total = max(args.min_steps, int(args.epochs * len(rows) / args.batch_size + 0.999))
    started, step, loss_avg = time.monotonic(), 0, 0.0
    budget = args.max_minutes * 60
    sched = torch.optim.lr_scheduler.LambdaLR(opt, budget_schedule(total, started, budget))
    rng = random.Random(args.seed)
    model.train()
    try:
        while step < total and time.monotonic() - started < budget:
            for batch in _batches(rows, args, rng):
                loss = _loss(encoder, head, batch, index, args.intent_conditioned)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                step += 1
                loss_avg = loss.item() if step == 1 else 0.95 * loss_avg + 0.05 * loss.item()
                if progress is not None:
                    progress(step, total, loss_avg)
                if step >= total or time.monotonic() - started >= budget:
                    break
    finally:
        model.eval()
        for p in model.parameters():
            p.requires_grad = False
    facts = {"steps": step, "planned_steps": total, "loss": round(loss_avg, 4),
             "seconds": round(time.monotonic() - started, 1), "examples": len(rows)}
    _save(out_dir, encoder, head, labels, args, facts)
    return {"name": TAGGER_NAME, "labels": len(labels), **facts}


def _batches(rows: Sequence[Row], args: TaggerArgs, rng: random.Random) -> list[list[Row]]:
    """One epoch's batches in random order; with length buckets, each batch is cut from a
    pool of lines sorted by their number of words."""
    order = list(range(len(rows)))
    rng.shuffle(order)
    if args.length_buckets:
        pool = args.batch_size * POOL_BATCHES
        order = [i for at in range(0, len(order), pool)
                 for i in sorted(order[at:at + pool], key=lambda i: len(rows[i][1]))]
    batches = [[rows[i] for i in order[at:at + args.batch_size]] for at in range(0, len(order), args.batch_size)]
    if args.length_buckets:
        rng.shuffle(batches)
    return batches


def _augmented(examples: Sequence[Any], args: TaggerArgs) -> list[Any]:
    from intents.generator_augment import augmented, phrase_pool
    from intents.generator_train import intent_slots

    if args.augment_copies < 1:
        return []
    return augmented(examples, intent_slots(examples), phrase_pool(varied=True), args.augment_copies,
                     random.Random(args.seed))


def _rows(examples: Sequence[Any], skip: frozenset[str]) -> list[Row]:
    rows = []
    for e in examples:
        if e.intent == OUT_OF_SCOPE:
            continue
        ws = words(e.text)
        if ws:
            rows.append((e.text, ws, gold_labels(e.text, ws, e.args or {}, skip), e.intent))
    return rows


def _label_set(rows: Sequence[Row]) -> list[str]:
    paths = sorted({lab[2:] for _, _, labs, _ in rows for lab in labs if lab != OUTSIDE})
    return [OUTSIDE] + [f"{bio}-{p}" for p in paths for bio in ("B", "I")]


def _loss(encoder: Encoder, head: Any, batch: Sequence[Row], index: dict[str, int], by_intent: bool) -> Any:
    import torch

    enc = word_batch(encoder, [r[0] for r in batch], [r[1] for r in batch],
                     [r[3] for r in batch] if by_intent else None)
    firsts = enc.pop("first_piece")
    target = torch.full(enc["input_ids"].shape, IGNORE, dtype=torch.long)
    last = enc["input_ids"].shape[1] - 1
    for row, (_, _, labs, _) in enumerate(batch):
        for k, lab in enumerate(labs):
            pos = firsts[row][k]
            if pos < last and enc["attention_mask"][row, pos]:
                target[row, pos] = index[lab]
    logits = head(encoder.model(**enc).last_hidden_state)
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1),
                                             ignore_index=IGNORE)


def _save(out_dir: Path, encoder: Encoder, head: Any, labels: list[str], args: TaggerArgs,
          facts: dict[str, Any]) -> None:
    import torch
    from safetensors.torch import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(changed_state(encoder, args.frozen_layers, packed=True), str(out_dir / ENCODER_WEIGHTS))
    save_file({k: v.detach().to(torch.float16).contiguous() for k, v in head.state_dict().items()},
              str(out_dir / HEAD_WEIGHTS))
    meta = {"name": TAGGER_NAME, "labels": labels, "encoder": encoder.name, "args": asdict(args),
            "training": facts}
    (out_dir / CONFIG).write_text(json.dumps(meta, indent=2) + "\n")
