"""The two forward passes that turn (message, intent, schema) into argument values.

Pass 1 scores, for every slot at once, "no value" against the first token of each
candidate, and every choice of a choice slot in full. Pass 2 scores whole spans, but
only from the few start tokens pass 1 found likely: one segment per (slot, start)
gives the score of every end at once. Candidates come from :mod:`intents.generator_slots`,
so every value is of the right type before it is ever scored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch
from transformers import GPT2LMHeadModel

from intents import generator_tokenizer as T
from intents.generator_format import Encoder, Packed, collate
from intents.generator_slots import Candidate, Slot, active, candidates
from intents.generator_text import Piece

MAX_STARTS = 3
START_MARGIN = 4.0


@dataclass
class Job:
    """One message being decoded, with what each pass found."""

    text: str
    intent: str
    slots: list[Slot]
    pieces: list[Piece]
    none: dict[str, float] = field(default_factory=dict)
    chosen: dict[str, Any] = field(default_factory=dict)
    choice_scores: dict[str, float] = field(default_factory=dict)
    cands: dict[str, list[Candidate]] = field(default_factory=dict)
    scored: dict[str, list[tuple[float, Candidate]]] = field(default_factory=dict)


def _log_probs(model: GPT2LMHeadModel, packs: list[Packed], wanted: list[list[int]], pad: int) -> list[torch.Tensor]:
    """Log-probabilities of the next token at the ``wanted`` positions of each sequence."""
    batch = collate(packs, pad)
    hidden = model.transformer(
        input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
        position_ids=batch["position_ids"],
    ).last_hidden_state
    rows = torch.tensor([r for r, w in enumerate(wanted) for _ in w], dtype=torch.long)
    cols = torch.tensor([c for w in wanted for c in w], dtype=torch.long)
    if len(rows) == 0:
        return [torch.empty(0) for _ in wanted]
    lp = torch.log_softmax(model.lm_head(hidden[rows, cols]).float(), dim=-1)
    return list(torch.split(lp, [len(w) for w in wanted]))


def first_pass(model: GPT2LMHeadModel, enc: Encoder, jobs: list[Job]) -> None:
    """No-value scores, first-token scores and full choice scores for every slot."""
    packs, wanted, plans = [], [], []
    for job in jobs:
        packed = Packed()
        packed.add_prefix(enc.prefix(job.pieces, job.intent))
        want: list[int] = []
        plan: list[tuple[Slot, str | None, int, int]] = []
        for slot in job.slots:
            for choice in slot.choices or (None,):
                value = [*enc.words(choice), enc.ctl[T.EOV]] if choice is not None else []
                head = enc.head(slot)
                at = packed.add_segment([*head, *value]) + len(head) - 1
                plan.append((slot, choice, len(want), len(value)))
                want += list(range(at, at + max(1, len(value))))
        packs.append(packed)
        wanted.append(want)
        plans.append(plan)
    for job, lp, plan in zip(jobs, _log_probs(model, packs, wanted, enc.ctl[T.EOS]), plans, strict=True):
        ids = {}
        for slot, choice, row, n in plan:
            job.none[slot.path] = float(lp[row, enc.ctl[T.NONE]])
            if choice is None:
                ids[slot.path] = lp[row]
                continue
            tokens = [*enc.words(choice), enc.ctl[T.EOV]]
            score = sum(float(lp[row + k, t]) for k, t in enumerate(tokens))
            if score > job.choice_scores.get(slot.path, -math.inf):
                job.choice_scores[slot.path], job.chosen[slot.path] = score, choice
        _plan_starts(job, ids)


def _plan_starts(job: Job, first: dict[str, torch.Tensor]) -> None:
    for path, score in list(job.choice_scores.items()):
        if job.none[path] > score:
            job.chosen.pop(path, None)
    for slot in active(job.slots, job.chosen):
        if slot.kind == "choice" or math.exp(job.none[slot.path]) > 0.5:
            continue
        cands = candidates(slot, job.text, job.pieces)
        if not cands:
            continue
        starts = {c.start: float(first[slot.path][job.pieces[c.start].id]) for c in cands}
        best = max(starts.values())
        keep = sorted((s for s, v in starts.items() if v >= best - START_MARGIN), key=lambda s: -starts[s])
        keep = set(keep[:MAX_STARTS])
        job.cands[slot.path] = [c for c in cands if c.start in keep]


def second_pass(model: GPT2LMHeadModel, enc: Encoder, jobs: list[Job]) -> None:
    """Score every kept candidate span in full (its tokens, then the end of the value)."""
    packs, wanted, plans = [], [], []
    for job in jobs:
        packed = Packed()
        packed.add_prefix(enc.prefix(job.pieces, job.intent))
        want: list[int] = []
        plan: list[tuple[str, int, int]] = []
        for slot in job.slots:
            by_start: dict[int, int] = {}
            for c in job.cands.get(slot.path, []):
                by_start[c.start] = max(by_start.get(c.start, 0), c.end)
            for start, end in by_start.items():
                head = enc.head(slot)
                at = packed.add_segment([*head, *(p.id for p in job.pieces[start:end])]) + len(head) - 1
                plan.append((slot.path, start, len(want)))
                want += list(range(at, at + end - start + 1))
        packs.append(packed)
        wanted.append(want)
        plans.append(plan)
    if not any(wanted):
        return
    eov = enc.ctl[T.EOV]
    for job, lp, plan in zip(jobs, _log_probs(model, packs, wanted, enc.ctl[T.EOS]), plans, strict=True):
        for path, start, row in plan:
            ends = {c.end: c for c in job.cands[path] if c.start == start}
            first = float(lp[row, job.pieces[start].id])
            best: tuple[float, Candidate] | None = None
            running = 0.0
            for k in range(start, max(ends)):
                running += float(lp[row + k - start, job.pieces[k].id])
                if k + 1 not in ends:
                    continue
                stop = float(lp[row + k + 1 - start, eov])
                total = running + stop
                if best is None or total > best[0]:
                    best = (total, ends[k + 1])
                nxt = job.pieces[k + 1].id if k + 1 < len(job.pieces) else None
                if nxt is None or stop >= float(lp[row + k + 1 - start, nxt]):
                    best = (total, ends[k + 1])
                    break
            if best is not None:
                job.scored.setdefault(path, []).append((first, best[1]))


def decide(job: Job) -> dict[str, Any]:
    """Pick each slot's value: the best span that overlaps no other slot's value.

    "No value" was already ruled out for every scored slot (it is the first token the
    model would have written); among the spans the most probable one wins.
    """
    values: dict[str, Any] = dict(job.chosen)
    taken: list[tuple[int, int]] = []
    order = sorted(job.scored, key=lambda p: -max(s for s, _ in job.scored[p]))
    for path in order:
        for _, cand in sorted(job.scored[path], key=lambda x: -x[0]):
            if any(cand.start < b and a < cand.end for a, b in taken):
                continue
            values[path] = cand.value
            taken.append((cand.start, cand.end))
            break
    return values
