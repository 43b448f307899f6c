"""Argument span tagger on the MiniLM encoder: where in a message each argument may be.

The reply generator decides every argument, but a compact GPT-2 trained on a templated
corpus draws span boundaries poorly on phrasings it never saw. The pretrained encoder
knows English; fine-tuned as a word-level BIO tagger (one label per argument path,
``subject``, ``fields.hours``) it gives, for every argument, a probability for each span
of the message and for "not stated". The generator's decoding adds these as a prior to
its own scores (:mod:`intents.generator_decode`), so it chooses among well-bounded spans.

Words, not word pieces, are tagged: mentions and email addresses are single words (the
tokenizer would split them), currency symbols are words of their own (``£640`` states a
currency and an amount), and a word's label is read at its first piece.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from bot.errors import NLUError
from intents import spans
from intents.bio_chain import BioChain, LabelColumns
from intents.encoder import Encoder

TAGGER_NAME = "flowdesk.tagger.v1"
CONFIG, ENCODER_WEIGHTS, HEAD_WEIGHTS = "tagger.json", "encoder.safetensors", "head.safetensors"
MAX_WORDS = 48
MAX_SPAN_WORDS = 16
MIN_SPAN_PROB = 0.01
MAX_SPANS = 4
OUTSIDE = "O"
_TOKEN = re.compile(r"[$€£¥₹]|[^\s$€£¥₹]+")
_EDGE = "\"'`“”‘’,;:!?()[]{}"


def words(text: str) -> list[tuple[int, int]]:
    """Character spans of the words the tagger labels, in order."""
    atoms = [(e.start, e.end) for e in spans.people(text)]
    found: list[tuple[int, int]] = list(atoms)
    for m in _TOKEN.finditer(text):
        a, b = m.start(), m.end()
        pieces = _split_edges(text, a, b)
        for s, e in pieces:
            if not any(s < y and x < e for x, y in atoms):
                found.append((s, e))
    return sorted(found)[:MAX_WORDS]


def _split_edges(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Punctuation at a word's edges becomes words of its own ("(laura@x.com)," -> 3)."""
    head: list[tuple[int, int]] = []
    tail: list[tuple[int, int]] = []
    while a < b and text[a] in _EDGE:
        head.append((a, a + 1))
        a += 1
    while b > a and (text[b - 1] in _EDGE or (text[b - 1] == "." and b - 1 > a)):
        tail.insert(0, (b - 1, b))
        b -= 1
    return head + ([(a, b)] if b > a else []) + tail


@dataclass(frozen=True)
class Tagging:
    """One message's word spans and, per word, the probability of every label.

    Spans are read as a BIO chain (:mod:`intents.bio_chain`): among the label sequences a
    BIO reader could write, so a value's probability counts the whole of it at once.
    """

    words: list[tuple[int, int]]
    probs: np.ndarray
    """(words x labels); rows sum to 1."""
    index: dict[str, int]
    columns: LabelColumns | None = None
    """Where each path's labels sit in ``index`` (worked out from it when not given)."""
    _found: dict[str, list[tuple[int, int, float]]] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def chain(self) -> BioChain:
        """Forward-backward over this message's valid label sequences, worked out once."""
        return BioChain(self.probs, self.columns or LabelColumns.of(self.index))

    def _chained(self, path: str) -> BioChain | None:
        """The message's chain, or None where no word could carry ``path``."""
        return self.chain if self.words and path in self.chain.cols.paths else None

    def spans(self, path: str) -> list[tuple[int, int, float]]:
        """Likely character spans of ``path`` with their probability, best first."""
        if path not in self._found:
            self._found[path] = self._spans(path)
        return self._found[path]

    def _spans(self, path: str) -> list[tuple[int, int, float]]:
        chain = self._chained(path)
        if chain is None:
            return []
        found = [(self.words[i][0], self.words[j][1], p)
                 for i, j, p in chain.spans(path, MAX_SPAN_WORDS, MIN_SPAN_PROB)]
        found.sort(key=lambda s: -s[2])
        return found[:MAX_SPANS]

    def begins(self, path: str, start: int, end: int) -> float:
        """Probability that ``path`` begins at a word inside characters ``[start, end)``."""
        chain = self._chained(path)
        if chain is None:
            return 0.0
        col = chain.begins(path)
        inside = [float(col[k]) for k, (a, b) in enumerate(self.words) if a < end and start < b]
        return max(inside, default=0.0)

    def absent(self, path: str) -> float:
        """Probability that no word begins ``path``: the message does not state it."""
        chain = self._chained(path)
        return chain.absent(path) if chain is not None else 1.0


class SpanTagger:
    """A trained tagger directory, loaded once per process; thread-safe for reads."""

    def __init__(self, *, encoder: Encoder, head: Any, labels: list[str], meta: dict[str, Any]) -> None:
        self.encoder = encoder
        self.head = head
        self.labels = labels
        self.index = {name: i for i, name in enumerate(labels)}
        self.meta = meta
        self.columns = LabelColumns.of(self.index)
        self._lock = threading.Lock()

    @classmethod
    def from_pretrained(cls, path: str | Path) -> SpanTagger:
        """Load a directory written by :func:`intents.tagger_train.train_tagger`."""
        import torch
        from safetensors.torch import load_file

        p = Path(path)
        try:
            meta = json.loads((p / CONFIG).read_text())
            encoder = Encoder.load(weights=p / ENCODER_WEIGHTS)
            state = load_file(str(p / HEAD_WEIGHTS))
        except (OSError, ValueError, KeyError) as exc:
            raise NLUError(f"cannot load the span tagger from {p}: {exc}") from exc
        head = torch.nn.Linear(state["weight"].shape[1], state["weight"].shape[0])
        head.load_state_dict({k: v.float() for k, v in state.items()})
        head.eval()
        return cls(encoder=encoder, head=head, labels=list(meta["labels"]), meta=meta)

    @property
    def reads_intent(self) -> bool:
        """Whether this tagger was trained reading each message's intent beside its words."""
        return bool(self.meta.get("args", {}).get("intent_conditioned"))

    def tag_many(self, texts: Sequence[str], intents: Sequence[str] | None = None) -> list[Tagging]:
        """Word spans and label probabilities of each message, in one batched pass.

        ``intents`` (the classifier's, one per message) are read by a tagger trained with
        them (:attr:`reads_intent`) and ignored by one trained without.
        """
        import torch

        if not texts:
            return []
        if self.reads_intent and intents is None:
            raise NLUError("this span tagger reads each message's intent: pass intents")
        segmented = [words(t) for t in texts]
        batch = word_batch(self.encoder, texts, segmented, intents if self.reads_intent else None)
        firsts = batch.pop("first_piece")
        hidden = self.encoder.hidden(batch)  # ONNX Runtime when available, else torch
        with torch.inference_mode():
            probs = torch.softmax(self.head(hidden).float(), dim=-1).numpy()
        return [
            Tagging(words=ws, probs=probs[row, firsts[row][: len(ws)]], index=self.index, columns=self.columns)
            for row, ws in enumerate(segmented)
        ]


def intent_words(intent: str) -> list[str]:
    """An intent's name as words: ``approval.request`` -> approval request, ``AddToPlaylist`` -> add to playlist."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", intent)
    return re.findall(r"[a-z0-9]+", spaced.lower()) or [intent]


def word_batch(encoder: Encoder, texts: Sequence[str], segmented: Sequence[list[tuple[int, int]]],
               intents: Sequence[str] | None = None) -> dict[str, Any]:
    """Tokenised words of each text, and the index of each word's first piece.

    With ``intents``, each text is the second segment of a pair whose first is its intent's
    name, so the tagger knows which arguments the message can state.
    """
    as_words = [[text[a:b] for a, b in ws] or [""] for text, ws in zip(texts, segmented, strict=True)]
    if intents is None:
        enc = encoder.tokenizer(as_words, is_split_into_words=True, padding=True, truncation=True,
                                max_length=128, return_tensors="pt")
    else:
        enc = encoder.tokenizer([intent_words(i) for i in intents], as_words, is_split_into_words=True,
                                padding=True, truncation="only_second", max_length=128, return_tensors="pt")
    segment = 0 if intents is None else 1
    firsts: list[list[int]] = []
    for row in range(len(as_words)):
        seen: dict[int, int] = {}
        for pos, (wid, seq) in enumerate(zip(enc.word_ids(row), enc.sequence_ids(row), strict=True)):
            if wid is not None and seq == segment and wid not in seen:
                seen[wid] = pos
        # a word the tokenizer cut off (too long a message) reads as the [SEP] position
        last = len(enc["input_ids"][row]) - 1
        firsts.append([seen.get(w, last) for w in range(len(as_words[row]))])
    out = dict(enc)
    out["first_piece"] = firsts
    return out


def gold_labels(text: str, ws: list[tuple[int, int]], args: dict[str, Any], skip: frozenset[str]) -> list[str]:
    """The BIO label of each word, from the arguments an example states."""
    out = [OUTSIDE] * len(ws)
    for path, value in _flat(args):
        if path in skip:
            continue
        where = _locate(text, value)
        if where is None:
            continue
        inside = [k for k, (a, b) in enumerate(ws) if a >= where[0] and b <= where[1]]
        for n, k in enumerate(inside):
            if out[k] == OUTSIDE:
                out[k] = ("B-" if n == 0 else "I-") + path
    return out


def _flat(args: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for key, value in (args or {}).items():
        if isinstance(value, dict):
            found += _flat(value, prefix + key + ".")
        elif isinstance(value, list):
            found += [(prefix + key, v) for v in value]
        else:
            found.append((prefix + key, value))
    return found


def _locate(text: str, value: Any) -> tuple[int, int] | None:
    """Where a gold value was stated: the typed entity meaning it, or its words."""
    ents = spans.entities(text)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        hit = next((e for e in ents if e.kind == "number" and float(e.value) == float(value)), None)
        return (hit.start, hit.end) if hit else None
    if not isinstance(value, str):
        return None
    folded = value.casefold()
    hit = next((e for e in ents if e.kind != "number" and str(e.value).casefold() == folded), None)
    if hit is not None:
        return hit.start, hit.end
    return spans.find_text(text, spans.clean_text(value))
