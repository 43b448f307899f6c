"""How actions and replies are laid out as GPT-2 token sequences.

An action is a prefix (``<eos> message <intent> name``) followed by one segment per
argument (``<arg> path <val> value <eov>`` or ``<arg> path <val> <none>``). Segments
attend to the prefix and to themselves only, and every segment's positions start
right after the prefix, so each argument is decided independently and all of them
are scored in one forward pass, in training and in serving alike. A reply is a plain
left-to-right sequence: ``<say> intent <status> status <summary> summary <reply> text``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from tokenizers import Tokenizer

from intents import generator_tokenizer as T
from intents.generator_slots import Slot, active, gold_candidate
from intents.generator_text import Piece

IGNORE = -100


@dataclass
class Packed:
    """One sequence: token ids, positions, segment of each token (0 = prefix) and targets."""

    ids: list[int] = field(default_factory=list)
    pos: list[int] = field(default_factory=list)
    seg: list[int] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    prefix_len: int = 0

    def add_prefix(self, ids: list[int]) -> None:
        self.ids += ids
        self.pos += list(range(len(ids)))
        self.seg += [0] * len(ids)
        self.labels += [IGNORE] * len(ids)
        self.prefix_len = len(ids)

    def add_segment(self, ids: list[int], learn_from: int | None = None) -> int:
        """Append a segment; targets from index ``learn_from`` on. Returns its first index."""
        first = len(self.ids)
        number = max(self.seg, default=0) + 1
        self.ids += ids
        self.pos += [self.prefix_len + i for i in range(len(ids))]
        self.seg += [number] * len(ids)
        labels = [IGNORE] * len(ids)
        if learn_from is not None:
            labels[learn_from - 1 : len(ids) - 1] = ids[learn_from:]
        self.labels += labels
        return first


class Encoder:
    """Token ids of the control words and of texts, cached."""

    def __init__(self, tok: Tokenizer) -> None:
        self.tok = tok
        self.ctl = {name: tok.token_to_id(name) for name in T.CONTROL}
        self._cache: dict[str, list[int]] = {}

    def words(self, text: str) -> list[int]:
        ids = self._cache.get(text)
        if ids is None:
            ids = self.tok.encode(" " + text, add_special_tokens=False).ids
            if len(self._cache) < 50_000:
                self._cache[text] = ids
        return ids

    def prefix(self, pieces: list[Piece], intent: str) -> list[int]:
        return [self.ctl[T.EOS], *(p.id for p in pieces), self.ctl[T.INTENT], *self.words(intent)]

    def head(self, slot: Slot) -> list[int]:
        return [self.ctl[T.ARG], *self.words(slot.path), self.ctl[T.VAL]]


def get_path(args: dict[str, Any], path: str) -> Any:
    node: Any = args
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def action_sequence(
    enc: Encoder, text: str, pieces: list[Piece], intent: str, slots: list[Slot], args: dict[str, Any]
) -> Packed:
    """A training sequence that teaches the gold arguments of one example."""
    packed = Packed()
    packed.add_prefix(enc.prefix(pieces, intent))
    chosen = {s.path: get_path(args, s.path) for s in slots if s.kind == "choice"}
    for slot in active(slots, chosen):
        head = enc.head(slot)
        gold = get_path(args, slot.path)
        if gold is None or gold == [] or gold == {}:
            packed.add_segment([*head, enc.ctl[T.NONE]], learn_from=len(head))
            continue
        if slot.kind == "choice":
            if str(gold) not in slot.choices:
                continue
            value = enc.words(str(gold))
        else:
            cand = gold_candidate(slot, gold, text, pieces)
            if cand is None:
                continue
            value = [p.id for p in pieces[cand.start : cand.end]]
        packed.add_segment([*head, *value, enc.ctl[T.EOV]], learn_from=len(head))
    return packed


def flat_args(args: dict[str, Any]) -> str:
    """Arguments as the reply model reads them (``approver: dana; amount: 1200``)."""
    return "; ".join(f"{k}: {_show(v)}" for k, v in args.items() if v not in (None, "", [], {}))


def reply_prompt(enc: Encoder, intent: str, args: dict[str, Any], status: str, summary: str) -> list[int]:
    """The conditioning part of a reply sequence."""
    flat = flat_args(args)
    return [
        enc.ctl[T.SAY], *enc.words(intent), enc.ctl[T.STATUS], *enc.words(status),
        enc.ctl[T.SUMMARY], *enc.words(summary or "-"), enc.ctl[T.ARG], *enc.words(flat or "-"),
        enc.ctl[T.REPLY],
    ]


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_show(v)}" for k, v in value.items())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def reply_sequence(enc: Encoder, prompt: list[int], reply: str) -> Packed:
    """A training sequence that teaches one reply (plain causal attention)."""
    packed = Packed()
    ids = [*prompt, *enc.words(reply), enc.ctl[T.EOS]]
    packed.add_prefix(ids)
    packed.labels = [IGNORE] * (len(prompt) - 1) + ids[len(prompt) :] + [IGNORE]
    return packed


def collate(batch: list[Packed], pad_id: int) -> dict[str, torch.Tensor]:
    """Pad sequences and build the (batch, 1, L, L) mask of the segment layout."""
    width = max(len(p.ids) for p in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    pos = torch.zeros((len(batch), width), dtype=torch.long)
    seg = torch.full((len(batch), width), -1, dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORE, dtype=torch.long)
    for row, p in enumerate(batch):
        n = len(p.ids)
        ids[row, :n] = torch.tensor(p.ids)
        pos[row, :n] = torch.tensor(p.pos)
        seg[row, :n] = torch.tensor(p.seg)
        labels[row, :n] = torch.tensor(p.labels)
    return {"input_ids": ids, "position_ids": pos, "attention_mask": segment_mask(seg), "labels": labels}


def segment_mask(seg: torch.Tensor) -> torch.Tensor:
    """True where a token may attend: earlier tokens of the prefix or of its own segment."""
    width = seg.shape[1]
    idx = torch.arange(width)
    causal = idx[None, :] <= idx[:, None]
    sj, si = seg[:, None, :], seg[:, :, None]
    mask = causal[None] & ((sj == 0) | (sj == si)) & (si >= 0)
    mask |= torch.eye(width, dtype=torch.bool)[None]
    return mask[:, None]
