"""Training of the reply generator: a GPT-2 from scratch, or fine-tuning of a real one.

``train_generator`` turns labelled examples into the segment sequences of
:mod:`intents.generator_format` (argument filling) plus reply sequences, trains with
the loss on target tokens only, and writes a self-describing model directory:
``model.safetensors``, ``config.json``, ``tokenizer.json`` and ``generator.json``.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel
from transformers import GPT2Config, GPT2LMHeadModel

from intents import generator_tokenizer as T
from intents.generator_augment import augmented, phrase_pool
from intents.generator_format import Encoder, Packed, action_sequence, collate, reply_prompt, reply_sequence
from intents.generator_replies import reply_examples
from intents.generator_slots import Slot, compile_slots
from intents.generator_text import pieces_of
from intents.schemas import BUILTIN_SCHEMAS, INTERNAL_SCHEMAS, schemas_for

GENERATOR_NAME = "flowdesk.generator.v1"
SIZES = {"tiny": (2, 128, 2), "mid": (4, 192, 4), "small": (4, 256, 4), "base": (6, 384, 6)}
Progress = Callable[[int, int, float], None]


def signatures(examples: Sequence[Any]) -> dict[str, list[dict[str, Any]]]:
    """Argument shapes of user intents (values blanked), enough to rebuild their schemas.

    One shape per argument and kind of value it takes (``{"poi": ""}``), not per example:
    a schema needs every argument that any example states and the kinds of its values,
    and SNIPS' BookRestaurant alone combines its 14 arguments in hundreds of ways.
    """
    shapes: dict[str, dict[str, dict[str, Any]]] = {}
    for e in examples:
        if e.intent in BUILTIN_SCHEMAS or e.intent in INTERNAL_SCHEMAS:
            continue
        for name, value in _blank(e.args or {}).items():
            shape = {name: value}
            shapes.setdefault(e.intent, {})[json.dumps(shape, sort_keys=True)] = shape
    return {intent: list(s.values()) for intent, s in shapes.items()}


def intent_slots(examples: Sequence[Any]) -> dict[str, list[Slot]]:
    """The slots of every built-in intent and of each user intent the examples show."""
    return {intent: compile_slots(model) for intent, model in schemas_for(signatures(examples)).items()}


def choice_paths(examples: Sequence[Any]) -> frozenset[str]:
    """Argument paths whose value is one of fixed choices (``form``, ``scope``), not a span."""
    return frozenset(s.path for slots in intent_slots(examples).values() for s in slots if s.kind == "choice")


def _blank(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _blank(v) for k, v in value.items()}
    if isinstance(value, list):
        return [""]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return 0.0
    return value if isinstance(value, bool) else ""


def _sequences(
    examples: Sequence[Any], enc: Encoder, schemas: dict[str, type[BaseModel]], copies: int, rng: random.Random
) -> list[Packed]:
    slots = {intent: compile_slots(model) for intent, model in schemas.items()}
    pool = phrase_pool() if copies else []
    lines = [*examples, *augmented(examples, slots, pool, copies, rng)]
    found = []
    for e in lines:
        intent_slots = slots.get(e.intent) or []
        if not intent_slots:
            continue
        packed = action_sequence(enc, e.text, pieces_of(enc.tok, e.text), e.intent, intent_slots, e.args or {})
        if any(label >= 0 for label in packed.labels):
            found.append(packed)
    return found


def _model(tok_size: int, base: str | None, size: str, eos: int) -> GPT2LMHeadModel:
    if base:
        model = GPT2LMHeadModel.from_pretrained(base)
        model.resize_token_embeddings(tok_size)
        return model
    layers, width, heads = SIZES[size]
    config = GPT2Config(
        vocab_size=tok_size, n_positions=256, n_embd=width, n_layer=layers, n_head=heads,
        bos_token_id=eos, eos_token_id=eos, tie_word_embeddings=True,
    )
    return GPT2LMHeadModel(config)


def _loss(model: GPT2LMHeadModel, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    hidden = model.transformer(
        input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
        position_ids=batch["position_ids"],
    ).last_hidden_state
    where = batch["labels"] >= 0
    logits = model.lm_head(hidden[where])
    return torch.nn.functional.cross_entropy(logits, batch["labels"][where])


def _batches(seqs: list[Packed], size: int, rng: random.Random) -> list[list[Packed]]:
    order = list(seqs)
    rng.shuffle(order)
    chunks = [sorted(order[i : i + size * 20], key=lambda p: len(p.ids)) for i in range(0, len(order), size * 20)]
    batches = [c[i : i + size] for c in chunks for i in range(0, len(c), size)]
    rng.shuffle(batches)
    return batches


def _report(progress: Any, state: dict[str, Any], step: int, total: int, loss: float) -> None:
    if progress is None:
        return
    if hasattr(progress, "add_task"):
        if "task" not in state:
            state["task"] = progress.add_task("reply generator", total=total)
        progress.update(state["task"], completed=step, description=f"reply generator (loss {loss:.3f})")
    else:
        progress(step, total, loss)


def train_generator(
    examples: Sequence[Any],
    out_dir: Path,
    *,
    base: str | None = None,
    progress: Progress | Any = None,
    size: str = "tiny",
    epochs: float = 10.0,
    batch_size: int = 32,
    max_minutes: float = 15.0,
    replies: int = 400,
    augment_copies: int = 1,
    seed: int = 0,
) -> dict[str, Any]:
    """Train the generator on ``examples`` and save it to ``out_dir``.

    Args:
        examples: labelled examples (``intents.data.Example``).
        out_dir: directory to write the model to (created).
        base: a pretrained GPT-2 (local directory or hub name) to fine-tune; None trains
            a compact model of ``size`` from scratch with the shipped vocabulary.
        progress: ``callable(step, total, loss)`` or a rich ``Progress``.
        max_minutes: wall-clock bound; training stops early when it is reached.

    Returns:
        Training facts (steps, final loss, seconds, parameters, sequences).
    """
    torch.manual_seed(seed)
    rng = random.Random(seed)
    tok = T.base_tokenizer(base) if base else T.load_tokenizer(T.SHIPPED)
    enc = Encoder(tok)
    shapes = signatures(examples)
    schemas = schemas_for(shapes)
    seqs = _sequences(examples, enc, schemas, augment_copies, rng)
    for intent, args, status, summary, text in reply_examples(examples, rng, limit=replies):
        seqs.append(reply_sequence(enc, reply_prompt(enc, intent, args, status, summary), text))
    model = _model(tok.get_vocab_size(), base, size, enc.ctl[T.EOS])
    model.train()
    total = max(1, math.ceil(epochs * len(seqs) / batch_size))
    lr = 1e-4 if base else 2e-3
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warm = min(100, total // 10 + 1)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.05, 1 - s / total)
    )
    started, step, loss_avg, state = time.monotonic(), 0, 0.0, {}
    while step < total and time.monotonic() - started < max_minutes * 60:
        for chunk in _batches(seqs, batch_size, rng):
            loss = _loss(model, collate(chunk, enc.ctl[T.EOS]))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            loss_avg = loss.item() if step == 1 else 0.98 * loss_avg + 0.02 * loss.item()
            _report(progress, state, step, total, loss_avg)
            if step >= total or time.monotonic() - started >= max_minutes * 60:
                break
    facts = {
        "name": GENERATOR_NAME, "base": base, "size": None if base else size, "steps": step,
        "planned_steps": total, "loss": round(loss_avg, 4), "seconds": round(time.monotonic() - started, 1),
        "parameters": sum(p.numel() for p in model.parameters()), "sequences": len(seqs),
        "examples": len(examples),
    }
    internal = sorted({e.intent for e in examples} & set(INTERNAL_SCHEMAS))
    _save(model, tok, out_dir, {**facts, "user_intents": shapes, "internal_intents": internal})
    return facts


def _save(model: GPT2LMHeadModel, tok: Any, out_dir: Path, meta: dict[str, Any]) -> None:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.eval()
    model.save_pretrained(out_dir)
    tok.save(str(out_dir / "tokenizer.json"))
    (out_dir / "generator.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")


def main() -> None:
    """Rebuild the shipped generator: ``python -m intents.generator_train``."""
    import argparse

    from intents.data import load_examples

    here = Path(__file__).parent
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--data", default=str(here / "corpus" / "builtin.jsonl"))
    parser.add_argument("--out", default=str(here / "model" / "generator"))
    parser.add_argument("--base", default=None)
    parser.add_argument("--size", default="tiny", choices=sorted(SIZES))
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--epochs", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=1)
    opts = parser.parse_args()
    torch.set_num_threads(opts.threads)

    def show(step: int, total: int, loss: float) -> None:
        if step % 50 == 0 or step == total:
            print(f"step {step}/{total} loss {loss:.3f}", flush=True)

    facts = train_generator(
        load_examples(opts.data), Path(opts.out), base=opts.base, size=opts.size,
        max_minutes=opts.minutes, epochs=opts.epochs, progress=show,
    )
    print(json.dumps(facts))


if __name__ == "__main__":
    main()
