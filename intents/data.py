"""Reads, validates, hashes and splits labelled examples (the format of spec/actions.md).

This is the one reader of training and evaluation files, so every other module can
trust an ``Example``: errors name the file and 1-based line, before anything is trained.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.errors import DatasetError
from intents.labels import allowed_args

_KEYS = frozenset({"text", "intent", "args", "now"})


@dataclass(frozen=True)
class Example:
    """One labelled message; ``line`` is where it came from (1-based, 0 when built in code)."""

    text: str
    intent: str
    args: dict[str, Any] = field(default_factory=dict)
    now: str | None = None
    line: int = 0

    def to_json(self) -> str:
        """The example as one line of the dataset format (``args``/``now`` only when set)."""
        obj: dict[str, Any] = {"text": self.text, "intent": self.intent}
        if self.args:
            obj["args"] = self.args
        if self.now:
            obj["now"] = self.now
        return json.dumps(obj, ensure_ascii=False)


def load_examples(path: str | Path, *, min_per_intent: int = 1) -> list[Example]:
    """Read a JSONL dataset, validating every line.

    Args:
        path: the file.
        min_per_intent: training passes 2: an intent seen once cannot be learned or validated.

    Raises:
        DatasetError: naming the first bad line (blank lines are skipped).
    """
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DatasetError(str(p), 0, "file not found") from None
    except UnicodeDecodeError as exc:
        raise DatasetError(str(p), 0, f"not UTF-8 ({exc.reason})") from None
    examples = [
        _parse_line(str(p), n, line)
        for n, line in enumerate(raw.splitlines(), start=1)
        if line.strip()
    ]
    if not examples:
        raise DatasetError(str(p), 0, "no examples")
    _check_counts(str(p), examples, min_per_intent)
    return examples


def _parse_line(path: str, n: int, line: str) -> Example:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DatasetError(path, n, f"not valid JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise DatasetError(path, n, "expected a JSON object")
    unknown = sorted(set(obj) - _KEYS)
    if unknown:
        raise DatasetError(path, n, f"unknown key(s) {', '.join(unknown)}")
    text, intent = obj.get("text"), obj.get("intent")
    if not isinstance(text, str) or not text.strip():
        raise DatasetError(path, n, "missing or empty 'text'")
    if not isinstance(intent, str) or not intent.strip():
        raise DatasetError(path, n, "missing or empty 'intent'")
    args = obj.get("args") or {}
    if not isinstance(args, dict):
        raise DatasetError(path, n, "'args' must be an object")
    _check_args(path, n, intent, args)
    now = obj.get("now")
    if now is not None:
        if not isinstance(now, str):
            raise DatasetError(path, n, "'now' must be an ISO 8601 string")
        try:
            datetime.fromisoformat(now)
        except ValueError:
            raise DatasetError(path, n, f"'now' is not ISO 8601: {now!r}") from None
    return Example(text=text, intent=intent.strip(), args=args, now=now, line=n)


def _check_args(path: str, n: int, intent: str, args: dict[str, Any]) -> None:
    allowed = allowed_args(intent)
    if allowed is not None:
        extra = sorted(set(args) - allowed)
        if extra:
            raise DatasetError(path, n, f"{intent} takes no argument(s) {', '.join(extra)}")
    for key in ("fields", "filters"):
        if key in args and not isinstance(args[key], dict):
            raise DatasetError(path, n, f"'{key}' must be an object")
    form = args.get("form")
    if form is not None and not isinstance(form, str):
        raise DatasetError(path, n, "'form' must be a string")
    if "to" in args and not (
        isinstance(args["to"], list) and all(isinstance(v, str) for v in args["to"])
    ):
        raise DatasetError(path, n, "'to' must be a list of strings")
    if "amount" in args and (
        isinstance(args["amount"], bool) or not isinstance(args["amount"], int | float)
    ):
        raise DatasetError(path, n, "'amount' must be a number")


def _check_counts(path: str, examples: Sequence[Example], min_per_intent: int) -> None:
    if min_per_intent <= 1:
        return
    counts = Counter(e.intent for e in examples)
    for e in examples:
        if counts[e.intent] < min_per_intent:
            raise DatasetError(
                path,
                e.line,
                f"intent {e.intent!r} has {counts[e.intent]} example(s); "
                f"at least {min_per_intent} are needed to train it",
            )


def data_sha256(path: str | Path) -> str:
    """Hash of the file's bytes, stored with a model so it says what it was trained on."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def examples_sha256(examples: Iterable[Example]) -> str:
    """Hash of examples built in memory (same value for the same lines in the same order)."""
    digest = hashlib.sha256()
    for e in examples:
        digest.update(e.to_json().encode("utf-8") + b"\n")
    return digest.hexdigest()


def split_examples(
    examples: Sequence[Example], *, fraction: float, seed: int = 0
) -> tuple[list[Example], list[Example]]:
    """Stratified split: ``fraction`` of each intent (at least one, when it has two) is held out."""
    by_intent: dict[str, list[Example]] = defaultdict(list)
    for e in examples:
        by_intent[e.intent].append(e)
    rng = random.Random(seed)
    keep: list[Example] = []
    held: list[Example] = []
    for intent in sorted(by_intent):
        group = list(by_intent[intent])
        rng.shuffle(group)
        k = round(len(group) * fraction)
        k = min(max(k, 1 if len(group) > 1 else 0), len(group) - 1)
        held.extend(group[:k])
        keep.extend(group[k:])
    return keep, held
