"""More varied training lines for the generator, made from the labelled ones.

Each free-text argument value is swapped for a random phrase taken from unrelated
utterances, and some lines gain a greeting or a sign-off. The model can then only
lower its loss by learning where an argument starts and ends from the words around
it, never from what the value looks like: the failure of memorising small value pools.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from intents import spans
from intents.generator_format import get_path
from intents.generator_slots import DANGLING, Slot, active

_SHARED = Path(os.environ.get("FLOWDESK_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")
_SOURCES = (_SHARED / "data" / "clinc150" / "train.jsonl", Path(__file__).parent / "corpus" / "builtin.jsonl")
_OPENERS = ["hey", "hi", "please", "can you", "could you", "ok so", "hey there,", "quick one:", "pls", "yo", "hello,"]
_CLOSERS = ["please", "thanks", "thx", "asap", "when you can", "thank you!", "cheers", "today please", "ty"]
_BAD_START = frozenset("to of and or at by from is are was be as into than".split())
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z' -]*[A-Za-z]$")
_VARIED = re.compile(r"^[A-Za-z0-9#][A-Za-z0-9'#%&./+ -]*[A-Za-z0-9%]$")
_CODE = re.compile(r"^(?:[A-Za-z]+-|#)?\d+$")
"""A reference such as an order number (``ORD-4411``, ``#8812``, ``5531``): swapped for another
reference, never for words. Dates and phone numbers are not references."""
_LEADS = frozenset("for because since so to the a an my our your this that".split())
_MONEY_WORDS = frozenset("dollar dollars usd eur euro euros gbp pound pounds bucks cents yen".split())


def phrase_pool(texts: Sequence[str] | None = None, *, limit: int = 20000, varied: bool = False) -> list[str]:
    """Word windows of unrelated utterances: plain words only (no digits, symbols or mentions),
    or, ``varied``, up to 8 words that may hold numbers and codes ("release 4.2", "#8812",
    "15%") but never money, mentions or addresses, which are arguments of their own."""
    if texts is None:
        texts = []
        for file in _SOURCES:
            if file.exists():
                texts += [json.loads(line)["text"] for line in file.read_text().splitlines() if line.strip()]
    rng = random.Random(0)
    pool: list[str] = []
    longest, shape = (8, _VARIED) if varied else (6, _PLAIN)
    for text in texts:
        words = text.split()
        if len(words) < 2:
            continue
        n = rng.randint(1, min(longest, len(words)))
        start = rng.randint(0, len(words) - n)
        window = " ".join(words[start : start + n]).strip(".,;:!?\"'")
        edge = window.lower().split()
        if (edge and shape.match(window) and edge[-1] not in DANGLING and edge[0] not in _BAD_START
                and not _MONEY_WORDS.intersection(edge)):
            pool.append(f"{window} {_code(rng)}" if varied and rng.random() < 0.2 else window)
        if len(pool) >= limit:
            break
    return pool


def _recoded(value: str, rng: random.Random) -> str:
    """Another reference like ``value``: its letters kept or dropped, new digits."""
    prefix = value.rstrip("0123456789")
    return (prefix if rng.random() < 0.5 else "") + str(rng.randint(10, 99999))


def _code(rng: random.Random) -> str:
    """A number or code as people write them inside a subject."""
    n = rng.randint(2, 9999)
    return rng.choice([f"#{n}", str(n), f"{n % 10}.{rng.randint(0, 9)}", f"v{n % 10}", f"{n % 100}%",
                       f"Q{rng.randint(1, 4)}", f"{rng.choice(['INV', 'PO', 'REF'])}-{n}"])


def augmented(examples: Sequence[Any], slots: dict[str, list[Slot]], pool: Sequence[str], copies: int,
              rng: random.Random) -> list[Any]:
    """``copies`` augmented lines per example (fewer where nothing could be swapped)."""
    extra = []
    for example in examples:
        for _ in range(copies):
            line = augment(example, slots.get(example.intent) or [], pool, rng)
            if line is not None:
                extra.append(line)
    return extra


def augment(example: Any, slots: list[Slot], pool: Sequence[str], rng: random.Random) -> Any | None:
    """A copy of ``example`` with new free-text values and maybe a greeting/sign-off."""
    args: dict[str, Any] = json.loads(json.dumps(example.args or {}))
    chosen = {s.path: get_path(args, s.path) for s in slots if s.kind == "choice"}
    text, swaps = example.text, []
    for slot in active(slots, chosen):
        value = get_path(args, slot.path)
        if slot.kind != "text" or not isinstance(value, str) or not pool:
            continue
        where = spans.find_text(text, spans.clean_text(value))
        if where is None or any(where[0] < b and a < where[1] for a, b, _, _ in swaps):
            continue
        new = _recoded(value, rng) if _CODE.match(value) else _reworded(value, pool, rng)
        swaps.append((where[0], where[1], slot.path, new))
    for start, end, path, new in sorted(swaps, reverse=True):
        text = text[:start] + new + text[end:]
        _set(args, path, new)
    if rng.random() < 0.35:
        text = f"{rng.choice(_OPENERS)} {text}"
    if rng.random() < 0.35:
        text = f"{text} {rng.choice(_CLOSERS)}"
    if text == example.text:
        return None
    return replace(example, text=text, args=args)


def _reworded(value: str, pool: Sequence[str], rng: random.Random) -> str:
    """A pool phrase in place of ``value``, after its lead word when it has one ("for the
    summit" -> "for <phrase>"), so the swapped line still reads as people write it."""
    lead, _, rest = value.partition(" ")
    if rest and lead.lower() in _LEADS:
        return f"{lead} {_similar(pool, len(rest.split()), rng)}"
    return _similar(pool, len(value.split()), rng)


def _similar(pool: Sequence[str], words: int, rng: random.Random) -> str:
    """A pool phrase of about ``words`` words (a few tries, then any)."""
    for _ in range(8):
        pick = rng.choice(pool)
        if abs(len(pick.split()) - words) <= 1:
            return pick
    return rng.choice(pool)


def _set(args: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = args
    for part in parents:
        node = node[part]
    node[leaf] = value
