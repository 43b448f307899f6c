"""The forward passes that turn (message, intent, schema) into argument values.

Pass 1 scores, for every slot at once, "no value" against the first token of each
candidate, and every choice of a choice slot in full. With a span tagger, that settles
the action: which arguments are stated (the generator's "no value" and the tagger's
"nothing begins here", as two opinions), the choices, and which value each stated
argument takes, as the candidate the tagger gives the highest probability
(:func:`read_by_tagger`). Without one, pass 2 scores whole spans, but only from the few
start tokens pass 1 found likely: one segment per (slot, start) gives the score of every
end at once. Candidates come from :mod:`intents.generator_slots`, so every value is of
the right type before it is ever scored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch
from transformers import GPT2LMHeadModel

from intents import generator_tokenizer as T
from intents import spans
from intents.generator_format import Encoder, Packed, collate
from intents.generator_slots import Candidate, Slot, active, candidates
from intents.generator_text import Piece

MAX_STARTS = 3
START_MARGIN = 4.0
PRIOR_FLOOR = 1e-3
"""Probability the tagger's prior gives a value it did not propose (so the generator may still pick it)."""
TIE_BREAK = 1e-3
"""Weight of the generator's first-token log-probability where the tagger chooses: it only
orders candidates the tagger scores alike (typed values it gives no probability)."""


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
    tagging: Any = None
    """The span tagger's reading (:class:`intents.tagger.Tagging`), when the model has a tagger."""


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
        if slot.kind == "choice" or (job.tagging is None and math.exp(job.none[slot.path]) > 0.5):
            continue
        cands = tagged(job, slot)
        if not cands:
            continue
        if read_by_tagger(job, slot):
            lp = first[slot.path]
            job.scored[slot.path] = [(prior(job, slot, c) + TIE_BREAK * float(lp[job.pieces[c.start].id]), c)
                                     for c in cands]
            continue
        starts: dict[int, float] = {}
        for c in cands:
            score = float(first[slot.path][job.pieces[c.start].id]) + prior(job, slot, c)
            starts[c.start] = max(starts.get(c.start, -math.inf), score)
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
            slot = next(s for s in job.slots if s.path == path)
            best: tuple[float, Candidate] | None = None
            running = 0.0
            for k in range(start, max(ends)):
                running += float(lp[row + k - start, job.pieces[k].id])
                if k + 1 not in ends:
                    continue
                stop = float(lp[row + k + 1 - start, eov])
                total = running + stop
                if job.tagging is not None:  # the whole span's probability times the tagger's prior
                    total += prior(job, slot, ends[k + 1])
                    if best is None or total > best[0]:
                        best = (total, ends[k + 1])
                    continue
                if best is None or total > best[0]:
                    best = (total, ends[k + 1])
                nxt = job.pieces[k + 1].id if k + 1 < len(job.pieces) else None
                if nxt is None or stop >= float(lp[row + k + 1 - start, nxt]):
                    best = (total, ends[k + 1])
                    break
            if best is not None:
                job.scored.setdefault(path, []).append((best[0] if job.tagging is not None else first, best[1]))


def decide(job: Job) -> dict[str, Any]:
    """Pick each slot's value: the best span that overlaps no other slot's value.

    Without a tagger, "no value" was already ruled out for every scored slot (it is the
    first token the model would have written); with one, :func:`stated` decides here.
    Among the candidates the best scored one wins.
    """
    values: dict[str, Any] = dict(job.chosen)
    taken: list[tuple[int, int]] = []
    order = sorted(job.scored, key=lambda p: -max(s for s, _ in job.scored[p]))
    for path in order:
        if job.tagging is not None and not stated(job, path):
            continue
        for _, cand in sorted(job.scored[path], key=lambda x: -x[0]):
            if any(cand.start < b and a < cand.end for a, b in taken):
                continue
            values[path] = cand.value
            taken.append((cand.start, cand.end))
            break
    return values


def read_by_tagger(job: Job, slot: Slot) -> bool:
    """Whether the tagger's span probabilities choose among ``slot``'s candidates.

    They do wherever the model has a tagger and it proposes a span for the slot (typed
    slots always have entity candidates it scores). The generator's own span scores are
    a product over every copied token, and a model trained from scratch on templates is
    confidently wrong about where unfamiliar phrases end: any weight on them lowered slot
    F1 on the dev requests and on SNIPS (figures in intents/README.md). The generator
    still decides the action: whether each argument is stated, and the choices.
    """
    if job.tagging is None:
        return False
    return slot.kind != "text" or bool(job.tagging.spans(slot.path))


def tagged(job: Job, slot: Slot) -> list[Candidate]:
    """A slot's candidates; for free text, the spans the tagger proposes, when it proposes any.

    No span that no reader of the message would take (a subject cut before its last words)
    is ever weighed; :func:`read_by_tagger` says who then chooses among them. A span the
    tagger proposes may end on a function word ("close by"), which the generator's own
    candidates may not.
    """
    if job.tagging is None or slot.kind != "text" or not job.tagging.spans(slot.path):
        return candidates(slot, job.text, job.pieces)
    proposed = {(a, b) for a, b, _ in job.tagging.spans(slot.path)}
    kept = [c for c in candidates(slot, job.text, job.pieces, any_end=True) if _chars(job, c) in proposed]
    return kept or candidates(slot, job.text, job.pieces)


def _chars(job: Job, cand: Candidate) -> tuple[int, int]:
    return job.pieces[cand.start].start, job.pieces[cand.end - 1].end


def prior(job: Job, slot: Slot, cand: Candidate) -> float:
    """Log-probability the span tagger gives ``cand`` as the value of ``slot`` (0 without a tagger).

    A free-text value is one of the tagger's spans; a typed value is scored by the words
    where its entities begin (for a list of people, each one in or out of the list).
    """
    tagging = job.tagging
    if tagging is None:
        return 0.0
    start, end = _chars(job, cand)
    if slot.kind == "text":
        p = next((p for a, b, p in tagging.spans(slot.path) if a == start and b == end), 0.0)
        return math.log(max(p, PRIOR_FLOOR))
    if slot.kind == "people":
        total = 0.0
        for e in spans.people(job.text):
            p = min(max(tagging.begins(slot.path, e.start, e.end), PRIOR_FLOOR), 1 - PRIOR_FLOOR)
            total += math.log(p) if start <= e.start and e.end <= end else math.log(1 - p)
        return total
    return math.log(max(tagging.begins(slot.path, start, end), PRIOR_FLOOR))


def stated(job: Job, path: str) -> bool:
    """Whether the message states ``path``: the generator's "no value" token and the tagger's
    "no word begins it", taken as two independent opinions."""
    p_none = min(max(math.exp(job.none[path]), PRIOR_FLOOR), 1 - PRIOR_FLOOR)
    p_absent = min(max(job.tagging.absent(path), PRIOR_FLOOR), 1 - PRIOR_FLOOR)
    return (1 - p_none) * (1 - p_absent) > p_none * p_absent
