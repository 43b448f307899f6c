"""Maps a spreadsheet's header texts to a form's fields, to be shown to the user before entering.

Headers match a field by its name, by a synonym from the cleaning rules, or by
a close spelling of either, all after normalising case, spaces and punctuation.
When the runtime lends the NLU's sentence encoder (``embed``), headers still
unmatched are compared by meaning with the field names and synonyms
("Contact e-mail" -> email, "Mobile No." -> phone).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from connectors.data_entry.forms import Form
from connectors.documents.rules import FormRules

_NOT_WORD = re.compile(r"[^0-9a-z]+")
CLOSE = 0.84
"""How alike a header and a name must be to count as a misspelling of it (difflib ratio)."""
MEANING = 0.6
"""Cosine similarity of sentence embeddings above which a header means a field (MiniLM)."""

Embed = Callable[[Sequence[str]], Any]
"""Texts -> unit-length embeddings, one row per text (the NLU's sentence encoder)."""


def normalise(header: str) -> str:
    """``'E-Mail Address '`` -> ``'e mail address'``."""
    return _NOT_WORD.sub(" ", header.casefold()).strip()


@dataclass(frozen=True, kw_only=True)
class ColumnMap:
    """Which column feeds which field; ``how`` says why (shown to the user)."""

    fields: dict[int, str] = field(default_factory=dict)
    how: dict[int, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)

    def lines(self, headers: list[str]) -> list[tuple[str, str]]:
        return [(headers[i] or f"column {i + 1}", f"{name} ({self.how[i]})") for i, name in self.fields.items()]


def _names(form: Form, rules: FormRules) -> dict[str, tuple[str, str]]:
    """Normalised text -> (field, how it matched)."""
    names: dict[str, tuple[str, str]] = {}
    for name in form.spec.fields:
        names.setdefault(normalise(name), (name, "same name"))
        for synonym in rules.field(name).synonyms:
            names.setdefault(normalise(synonym), (name, f"synonym “{synonym}”"))
    return names


def map_columns(headers: list[str], form: Form, rules: FormRules, embed: Embed | None = None) -> ColumnMap:
    """Exact names and synonyms first, then close spellings, then meaning; each field takes one column."""
    names = _names(form, rules)
    fields: dict[int, str] = {}
    how: dict[int, str] = {}
    for index, header in enumerate(headers):
        hit = names.get(normalise(header))
        if hit and hit[0] not in fields.values():
            fields[index], how[index] = hit
    for index, header in enumerate(headers):
        if index in fields or not normalise(header):
            continue
        close = difflib.get_close_matches(normalise(header), list(names), n=1, cutoff=CLOSE)
        if close and names[close[0]][0] not in fields.values():
            fields[index] = names[close[0]][0]
            how[index] = f"close to “{close[0]}”"
    if embed is not None:
        _by_meaning(headers, names, fields, how, embed)
    ordered = dict(sorted(fields.items()))
    ignored = [h or f"column {i + 1}" for i, h in enumerate(headers) if i not in ordered]
    required = [n for n, s in form.spec.fields.items() if s.required and n not in ordered.values()]
    return ColumnMap(fields=ordered, how=how, ignored=ignored, missing_required=required)


def _by_meaning(headers: list[str], names: dict[str, tuple[str, str]], fields: dict[int, str],
                how: dict[int, str], embed: Embed) -> None:
    """Pair the remaining headers and fields, most similar first, above ``MEANING``."""
    open_headers = [i for i, h in enumerate(headers) if i not in fields and normalise(h)]
    labels = [(text, target) for text, (target, _) in names.items() if target not in fields.values()]
    if not open_headers or not labels:
        return
    vectors = np.asarray(embed([normalise(headers[i]) for i in open_headers] + [t for t, _ in labels]))
    scores = vectors[: len(open_headers)] @ vectors[len(open_headers):].T
    pairs = sorted(((float(scores[h, l]), h, l) for h in range(len(open_headers)) for l in range(len(labels))),
                   reverse=True)
    for score, h, l in pairs:
        index, (text, target) = open_headers[h], labels[l]
        if score < MEANING:
            break
        if index in fields or target in fields.values():
            continue
        fields[index], how[index] = target, f"meaning close to “{text}”, {score:.2f}"


def best_form(headers: list[str], forms: dict[str, Form], rules_of: dict[str, FormRules],
              embed: Embed | None = None) -> str | None:
    """The form whose fields the headers cover best, when the user did not name one."""
    scored = []
    for name, form in forms.items():
        mapped = map_columns(headers, form, rules_of[name], embed)
        if mapped.fields and not mapped.missing_required:
            scored.append((len(mapped.fields) / len(form.spec.fields), len(mapped.fields), name))
    return max(scored)[2] if scored else None
