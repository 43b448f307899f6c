"""From a pydantic argument model to the slots the generator fills, and their candidates.

A slot is one argument path (``approver``, ``fields.hours``) with a kind that says
what the generator may put there: a span of the message (free text), one of the
typed entities of :mod:`intents.spans` (people, numbers, currencies, dates, phones) or one of a
fixed set of choices. Restricting every slot to candidates of the right type is
what makes the decoded action valid by construction.
"""

from __future__ import annotations

import enum
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from intents import spans
from intents.generator_text import Piece, is_word_end, is_word_start
from intents.schemas import FORMS

SlotKind = Literal["text", "person", "people", "number", "currency", "date", "phone", "choice"]
PERSON_NAMES = frozenset({"approver", "to", "cc", "bcc", "assignee", "email", "owner", "person"})
MAX_SPAN_TOKENS = 32
DANGLING = frozenset(
    "a an the to of for with at on in by from and or but my your our their his her its this that "
    "is are was be as about into than".split()
)
"""Words a phrase of several words never ends on: such a value may not stop right after one."""


@dataclass(frozen=True)
class Slot:
    """One argument the generator fills; ``form`` set means: only when ``discriminator == form``."""

    path: str
    kind: SlotKind
    required: bool = False
    choices: tuple[str, ...] = ()
    discriminator: str | None = None
    form: str | None = None


@dataclass(frozen=True)
class Candidate:
    """A value the generator may choose: message tokens ``[start, end)`` meaning ``value``."""

    start: int
    end: int
    value: Any


def _unwrap(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(args[0]) if len(args) == 1 else annotation
    return annotation


def _kind(name: str, annotation: Any, extra: dict[str, Any]) -> tuple[SlotKind, tuple[str, ...]]:
    ann = _unwrap(annotation)
    origin = typing.get_origin(ann)
    person = extra.get("x-kind") == "person" or name in PERSON_NAMES
    if origin is Literal:
        return "choice", tuple(str(a) for a in typing.get_args(ann))
    if isinstance(ann, type) and issubclass(ann, enum.Enum):
        return "choice", tuple(str(m.value) for m in ann)
    if ann is bool:
        return "choice", ("true", "false")
    if origin is list:
        return ("people" if person else "text"), ()
    if ann in (int, float):
        return "number", ()
    if extra.get("x-kind") == "currency" or name == "currency":
        return "currency", ()
    if extra.get("x-kind") in ("date", "phone"):
        return extra["x-kind"], ()
    return ("person" if person else "text"), ()


def compile_slots(model: type[BaseModel], prefix: str = "") -> list[Slot]:
    """The slots of an argument model, nested objects flattened to ``parent.child`` paths."""
    slots: list[Slot] = []
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        ann = _unwrap(info.annotation)
        path = prefix + name
        if "x-forms" in extra:
            disc = prefix + str(extra["x-forms"])
            for form, form_model in FORMS.items():
                for sub in compile_slots(form_model, path + "."):
                    slots.append(Slot(sub.path, sub.kind, False, sub.choices, disc, form))
        elif isinstance(ann, type) and issubclass(ann, BaseModel):
            slots += compile_slots(ann, path + ".")
        else:
            kind, choices = _kind(name, info.annotation, extra)
            slots.append(Slot(path, kind, info.is_required(), choices))
    return slots


def active(slots: list[Slot], chosen: dict[str, Any]) -> list[Slot]:
    """Slots that apply once the choices (the form of a record) are known."""
    return [s for s in slots if s.discriminator is None or chosen.get(s.discriminator) == s.form]


def candidates(slot: Slot, text: str, pieces: list[Piece], *, any_end: bool = False) -> list[Candidate]:
    """Every value ``slot`` may take in this message, as token spans.

    A free-text value of several words does not end on a function word ("for the") unless
    ``any_end``: "close by" is a value, and a tagger that reads it so is trusted.
    """
    if slot.kind == "choice":
        return []
    if slot.kind == "text":
        return _text_spans(text, pieces, any_end)
    kind = "person" if slot.kind == "people" else slot.kind
    ents = [e for e in spans.entities(text) if e.kind == kind]
    found = []
    for i, first in enumerate(ents):
        start = _token_at(pieces, first.start)
        if slot.kind != "people":
            found.append(Candidate(start, _token_end(pieces, first.end), first.value))
            continue
        for j in range(i, len(ents)):
            values = [e.value for e in ents[i : j + 1]]
            found.append(Candidate(start, _token_end(pieces, ents[j].end), values))
    return [c for c in found if c.end > c.start]


def _text_spans(text: str, pieces: list[Piece], any_end: bool = False) -> list[Candidate]:
    """Word-aligned spans; a span that is exactly a mention or email means that person."""
    people = {(e.start, e.end): e.value for e in spans.people(text)}
    found = []
    for i, p in enumerate(pieces):
        if p.end <= p.start or not is_word_start(text, p.start):
            continue
        for j in range(i, min(len(pieces), i + MAX_SPAN_TOKENS)):
            if is_word_end(text, pieces[j].end) and (any_end or _one_word(text, p.start, pieces[j].end)
                                                     or not _dangling(text, pieces[j].end)):
                value = people.get((p.start, pieces[j].end)) or spans.clean_text(text[p.start : pieces[j].end])
                if value:
                    found.append(Candidate(i, j + 1, value))
    return found


def _one_word(text: str, start: int, end: int) -> bool:
    """A value of one word may be any word: "my" is a playlist's owner, "this" an object chosen."""
    return not any(c.isspace() for c in text[start:end])


def _dangling(text: str, end: int) -> bool:
    """Whether a span ending at ``end`` stops on a function word, written in lower case: one
    capitalised mid-sentence ("Used To Love Her", "... About Football Is") ends a title."""
    words = text[:end].split()
    return bool(words) and words[-1].lower() in DANGLING and not (len(words) > 1 and words[-1][:1].isupper())


def _token_at(pieces: list[Piece], char: int) -> int:
    for i, p in enumerate(pieces):
        if p.end > char:
            return i
    return len(pieces)


def _token_end(pieces: list[Piece], char: int) -> int:
    for i, p in enumerate(pieces):
        if p.start >= char:
            return i
    return len(pieces)


def gold_text_span(text: str, value: Any) -> tuple[int, int] | None:
    """Character span a free-text gold value was copied from."""
    if not isinstance(value, str):
        return None
    return spans.find_text(text, spans.clean_text(value))


def gold_candidate(slot: Slot, value: Any, text: str, pieces: list[Piece]) -> Candidate | None:
    """The span a gold value was copied from, or None when the message does not state it."""
    if slot.kind == "text":
        if not isinstance(value, str):
            return None
        person = next((e for e in spans.people(text) if _norm(e.value) == _norm(value)), None)
        where = (person.start, person.end) if person else gold_text_span(text, value)
        if where is None:
            return None
        start, end = _token_at(pieces, where[0]), _token_end(pieces, where[1])
        return Candidate(start, end, value) if end > start else None
    want = _norm(value)
    for cand in candidates(slot, text, pieces):
        if _norm(cand.value) == want:
            return cand
    return None


def _norm(value: Any) -> Any:
    if isinstance(value, list):
        return [_norm(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return str(value).casefold().strip()
