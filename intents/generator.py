"""GPT-2 reply generator: structured actions by constrained decoding, and reply text.

Inference only. ``act_many`` fills the arguments of already-classified messages:
each argument is decided by the language model among values of the right type copied
from the message (see :mod:`intents.generator_decode`), then validated against the
action's pydantic model, so what comes out always validates. ``say`` writes the reply
to an action's result, or returns None when the model is unsure (the caller then
uses its template).

>>> gen = ReplyGenerator.from_pretrained("intents/model/generator")
>>> gen.act_many(["ask <@U024BE7LH> to approve $1,200 for the new laptop"],
...              ["approval.request"])  # doctest: +SKIP
[{'approver': 'U024BE7LH', 'subject': 'the new laptop', 'amount': 1200, 'currency': 'USD'}]
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel, ValidationError, create_model
from transformers import GPT2LMHeadModel

from bot.errors import NLUError
from intents import generator_tokenizer as T
from intents.generator_decode import Job, decide, first_pass, second_pass
from intents.generator_format import Encoder, flat_args, reply_prompt
from intents.generator_replies import vocabulary_texts
from intents.generator_slots import Slot, compile_slots
from intents.generator_text import pieces_of
from intents.schemas import schemas_for

SHIPPED = Path(__file__).parent / "model" / "generator"
MAX_REPLY_TOKENS = 48
UNSURE_MEAN = -0.3
"""Mean log-probability per reply token under which ``say`` gives up (about 74%)."""
_WORD = re.compile(r"[^\s]+")


def _words(text: str) -> set[str]:
    return {w.strip(".,;:!?\"'()").casefold() for w in _WORD.findall(text)} - {""}


_PHRASING = frozenset(w for t in vocabulary_texts() for w in _words(re.sub(r"\{\w+\}", " ", t)))


class ReplyGenerator:
    """A trained generator directory, loaded once; thread-safe for concurrent reads."""

    def __init__(self, *, model: GPT2LMHeadModel, tokenizer: Any, meta: dict[str, Any]) -> None:
        self.model = model.eval()
        self.enc = Encoder(tokenizer)
        self.meta = meta
        self.schemas: dict[str, type[BaseModel]] = schemas_for(meta.get("user_intents", {}))
        self._slots: dict[type[BaseModel], list[Slot]] = {}
        self._partial: dict[type[BaseModel], type[BaseModel]] = {}

    @classmethod
    def from_pretrained(cls, path: str | Path = SHIPPED) -> ReplyGenerator:
        """Load a directory written by ``train_generator``."""
        p = Path(path)
        try:
            meta = json.loads((p / "generator.json").read_text())
            model = GPT2LMHeadModel.from_pretrained(p)
            tok = T.load_tokenizer(p)
        except (OSError, ValueError) as exc:
            raise NLUError(f"cannot load the reply generator from {p}: {exc}") from exc
        return cls(model=model, tokenizer=tok, meta=meta)

    def reads(self, intent: str) -> bool:
        """Whether this generator was taught the internal action ``intent`` (``receipt.read``)."""
        return intent in self.meta.get("internal_intents", ())

    def slots(self, model: type[BaseModel]) -> list[Slot]:
        if model not in self._slots:
            self._slots[model] = compile_slots(model)
        return self._slots[model]

    @torch.inference_mode()
    def act_many(
        self, texts: list[str], intents: list[str], schemas: Mapping[str, type[BaseModel]] | None = None,
        *, taggings: Sequence[Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Arguments of each message's action: validated, normalised, maybe missing required ones.

        Args:
            texts: the messages.
            intents: the intent chosen for each message.
            schemas: argument models by intent (built-ins and trained user intents are known).
            taggings: the span tagger's reading of each message (``intents.tagger``), used
                as a prior over the spans the generator chooses from.
        """
        models = {**self.schemas, **(schemas or {})}
        tags = list(taggings) if taggings is not None else [None] * len(texts)
        jobs = [
            Job(text, intent, self.slots(models[intent]), pieces_of(self.enc.tok, text), tagging=tagging)
            if intent in models else None
            for text, intent, tagging in zip(texts, intents, tags, strict=True)
        ]
        live = [j for j in jobs if j is not None and j.slots]
        if live:
            first_pass(self.model, self.enc, live)
            second_pass(self.model, self.enc, live)
        return [self._finish(j, models[j.intent]) if j is not None and j.slots else {} for j in jobs]

    def missing(self, intent: str, args: Mapping[str, Any], schemas: Mapping[str, type[BaseModel]] | None = None) -> list[str]:
        """Required arguments of ``intent`` that ``args`` lacks, in schema order."""
        model = {**self.schemas, **(schemas or {})}.get(intent)
        if model is None:
            return []
        return [n for n, f in model.model_fields.items() if f.is_required() and args.get(n) in (None, "", [])]

    def _finish(self, job: Job, model: type[BaseModel]) -> dict[str, Any]:
        values = decide(job)
        args: dict[str, Any] = {}
        for path, value in values.items():
            node = args
            *parents, leaf = path.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = value
        return self._validated(args, model)

    def _validated(self, args: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
        """Drop any value the model rejects, so the rest always validates."""
        partial = self._partial_model(model)
        for name in list(args):
            try:
                partial.model_validate({name: args[name]})
            except ValidationError:
                del args[name]
        return args

    def _partial_model(self, model: type[BaseModel]) -> type[BaseModel]:
        if model not in self._partial:
            fields: dict[str, Any] = {
                n: (f.annotation | None, None) for n, f in model.model_fields.items() if f.is_required()
            }
            self._partial[model] = create_model(f"Partial{model.__name__}", __base__=model, **fields)
        return self._partial[model]

    @torch.inference_mode()
    def say(self, *, intent: str, args: Mapping[str, Any], status: str, summary: str) -> str | None:
        """The reply to an action's result, or None when the model is unsure of it."""
        ids = reply_prompt(self.enc, intent, dict(args), status, summary)
        out = self.model(input_ids=torch.tensor([ids]), use_cache=True)
        past, logp, made = out.past_key_values, [], []
        logits = out.logits[0, -1]
        eos = self.enc.ctl[T.EOS]
        for _ in range(MAX_REPLY_TOKENS):
            lp = torch.log_softmax(logits.float(), dim=-1)
            tid = int(lp.argmax())
            logp.append(float(lp[tid]))
            if tid == eos:
                break
            made.append(tid)
            out = self.model(input_ids=torch.tensor([[tid]]), past_key_values=past, use_cache=True)
            past, logits = out.past_key_values, out.logits[0, -1]
        else:
            return None
        if not made or sum(logp) / len(logp) < UNSURE_MEAN or min(logp) < math.log(0.05):
            return None
        text = self.enc.tok.decode(made).strip()
        said = " ".join([intent, status, summary, flat_args(dict(args))])
        if not text or not _words(text) <= _words(said) | _PHRASING:
            return None
        return text
