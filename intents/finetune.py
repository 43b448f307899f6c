"""Fine-tunes the top of the encoder together with a cosine-similarity intent head.

Training only (imports optimisers). The head's class vectors start at the class centroids
of the frozen embeddings, the bottom layers and token embeddings stay frozen, so a few
epochs on a CPU suffice and only the changed layers need saving (as float16).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from intents.encoder import Encoder
from intents.packed_weights import pack


@dataclass(frozen=True)
class FinetuneArgs:
    """Hyper-parameters; the defaults are the ones measured in bench/clinc150.py."""

    epochs: float = 2.0
    batch_size: int = 32
    frozen_layers: int = 3
    lr: float = 8e-5
    head_lr: float = 2e-3
    scale: float = 20.0
    label_smoothing: float = 0.1
    outlier_weight: float = 0.5
    """Weight of the outlier-exposure loss on out-of-scope examples (label -1), when there are any."""
    min_steps: int = 30
    max_minutes: float = 8.5
    threads: int = 1
    int8: bool = False
    """Serve the encoder with int8 linear layers (calibrated as served)."""
    """torch intra-op threads; on a small shared CPU one thread trains fastest."""
    seed: int = 0


def budget_schedule(total: int, started: float, budget_s: float) -> Callable[[int], float]:
    """Learning-rate factor: warm-up, then linear decay over the steps or over the time budget,
    whichever runs out first (so a run cut short by a busy machine still ends at zero)."""

    def factor(step: int) -> float:
        done = max(step / total, (time.monotonic() - started) / budget_s)
        return min(1.0, (step + 1) / 30) * max(0.0, 1 - done)

    return factor


def trainable_prefixes(encoder: Encoder, frozen_layers: int) -> list[str]:
    """Names (prefixes) of the encoder layers fine-tuning changes, i.e. what gets saved."""
    n = int(encoder.model.config.num_hidden_layers)
    return [f"encoder.layer.{i}." for i in range(frozen_layers, n)] + ["pooler."]


def finetune(
    encoder: Encoder,
    texts: Sequence[str],
    labels: Sequence[int],
    n_labels: int,
    *,
    args: FinetuneArgs = FinetuneArgs(),
    progress: Callable[[int, int, float], None] | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Train in place; returns the unit-norm class vectors (n_labels x dim) and training facts.

    Examples labelled -1 are out-of-scope: they teach by outlier exposure (Hendrycks et al.,
    2019), a loss pulling their scores towards uniform, rather than as a class of their own.
    """
    import torch

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    model = encoder.model
    prefixes = trainable_prefixes(encoder, args.frozen_layers)
    for name, p in model.named_parameters():
        p.requires_grad = any(name.startswith(pre) for pre in prefixes)
    head = torch.nn.Parameter(torch.tensor(_centroids(encoder, texts, labels, n_labels)))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(
        [{"params": params, "lr": args.lr}, {"params": [head], "lr": args.head_lr}],
        weight_decay=0.01,
    )
    total = max(args.min_steps, int(np.ceil(args.epochs * len(texts) / args.batch_size)))
    started, step, loss_avg = time.monotonic(), 0, 0.0

    sched = torch.optim.lr_scheduler.LambdaLR(opt, budget_schedule(total, started, args.max_minutes * 60))
    y = torch.tensor(list(labels))
    model.train()
    try:
        while step < total and time.monotonic() - started < args.max_minutes * 60:
            for batch in _batches(texts, args.batch_size, rng):
                emb = encoder.forward(encoder.tokenize([texts[i] for i in batch]))
                logits = args.scale * emb @ torch.nn.functional.normalize(head, dim=-1).T
                loss = _loss(logits, y[batch], args)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                step += 1
                loss_avg = loss.item() if step == 1 else 0.95 * loss_avg + 0.05 * loss.item()
                if progress is not None:
                    progress(step, total, loss_avg)
                if step >= total or time.monotonic() - started >= args.max_minutes * 60:
                    break
    finally:
        model.eval()
        for p in model.parameters():
            p.requires_grad = False
    vectors = torch.nn.functional.normalize(head.detach(), dim=-1).numpy().astype(np.float32)
    facts = {"steps": step, "planned_steps": total, "loss": round(loss_avg, 4),
             "seconds": round(time.monotonic() - started, 1)}
    return vectors, facts


def _loss(logits: Any, y: Any, args: FinetuneArgs) -> Any:
    import torch

    known = y >= 0
    loss = logits.new_zeros(())
    if bool(known.any()):
        loss = torch.nn.functional.cross_entropy(
            logits[known], y[known], label_smoothing=args.label_smoothing
        )
    if bool((~known).any()):
        loss = loss - args.outlier_weight * torch.log_softmax(logits[~known], dim=-1).mean()
    return loss


def _centroids(encoder: Encoder, texts: Sequence[str], labels: Sequence[int], n: int) -> np.ndarray:
    """Mean frozen embedding of (up to 24 examples of) each class: the head's starting point."""
    lab = np.asarray(labels)
    rng = np.random.default_rng(0)
    pick = np.concatenate([rng.permutation(np.flatnonzero(lab == k))[:24] for k in range(n)]).astype(int)
    emb = encoder.encode([texts[i] for i in pick])
    cent = np.stack([emb[lab[pick] == k].mean(axis=0) for k in range(n)])
    return (cent / np.linalg.norm(cent, axis=1, keepdims=True)).astype(np.float32)


def _batches(texts: Sequence[str], size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar lengths (less padding), in shuffled order."""
    idx = list(range(len(texts)))
    rng.shuffle(idx)
    out: list[list[int]] = []
    for start in range(0, len(idx), size * 50):
        chunk = sorted(idx[start:start + size * 50], key=lambda i: len(texts[i]))
        out.extend(chunk[i:i + size] for i in range(0, len(chunk), size))
    rng.shuffle(out)
    return out


def changed_state(encoder: Encoder, frozen_layers: int, *, packed: bool = False) -> dict[str, Any]:
    """The fine-tuned tensors as float16, or, ``packed``, with their matrices stored as int8
    (:mod:`intents.packed_weights`), for ``encoder.safetensors``."""
    import torch

    prefixes = trainable_prefixes(encoder, frozen_layers)
    changed = {
        name: t.detach().to(torch.float16).contiguous()
        for name, t in encoder.model.state_dict().items()
        if any(name.startswith(pre) for pre in prefixes)
    }
    return pack(changed) if packed else changed
