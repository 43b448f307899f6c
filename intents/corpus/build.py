"""Builds ``builtin.jsonl``, the corpus the shipped model learns the built-in intents from.

Run ``python -m intents.corpus.build [--seed N] [--out FILE]``. Deterministic for a seed:
templates x procedurally drawn values, with typos, case changes and the mention markup of
each platform, and arguments written exactly as actions.md says the NLU must return them.
"""

from __future__ import annotations

import argparse
import random
import string
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from intents.corpus import oos, receipts, templates as T
from intents.corpus import values as V
from intents.data import Example

DEFAULT_OUT = Path(__file__).with_name("builtin.jsonl")
COUNTS = {
    "approval.request": 650, "approval.list": 260, "approval.cancel": 260, "email.send": 550,
    "record.create": 650, "record.query": 450, "help": 260, "out_of_scope": 800,
    "receipt.read": 400,
}
_FIELD_KEYS = {"name", "email", "phone", "company", "tier", "customer", "product", "qty",
               "price", "money", "category", "desc", "project", "hours", "date", "order_id",
               "issue", "priority"}


def _slot(rng: random.Random, key: str, now: date) -> tuple[str, dict[str, Any], bool]:
    """(surface text, arguments it contributes, whether it needs ``now``) for one slot."""
    if key == "A":
        s, v = V.person(rng)
        return s, {"approver": v}, False
    if key == "M":
        s, num, code = V.money(rng)
        return s, {"amount": num, **({"currency": code} if code else {})}, False
    if key == "TO":
        people = [V.person(rng) for _ in range(rng.choice([1, 1, 1, 2, 2, 3]))]
        surfaces = [p[0] for p in people]
        joiner = rng.choice([", ", " and ", " & "]) if len(people) == 2 else ", "
        text = joiner.join(surfaces) if len(people) < 3 else ", ".join(surfaces[:-1]) + " and " + surfaces[-1]
        return text, {"to": [p[1] for p in people]}, False
    simple = {"S": ("subject", V.approval_subject), "R": ("reason", V.reason),
              "ES": ("subject", V.email_subject), "B": ("body", V.email_body),
              "RID": ("request_id", V.request_id)}
    if key in simple:
        name, fn = simple[key]
        text = fn(rng)
        return text, {name: text}, False
    return _field(rng, key, now)


def _field(rng: random.Random, key: str, now: date) -> tuple[str, dict[str, Any], bool]:
    if key == "name":
        f, l = V.person_name(rng)
        text = f"{f.capitalize()} {l.capitalize()}"
        return text, {"name": text}, False
    if key == "email":
        s, v = V.email(rng)
        return s, {"email": v}, False
    if key == "money":
        s, num, code = V.money(rng)
        return s, {"amount": num, **({"currency": code} if code else {})}, False
    if key in ("qty", "hours", "price"):
        if key == "qty":
            s, n = V.quantity(rng)
            return s, {"quantity": n}, False
        if key == "hours":
            s, n = V.plain_number(rng, 0.5, 12, 0.5)
            return s, {"hours": n}, False
        s, n = V.plain_number(rng, 2, 2500, 0.5 if rng.random() < 0.3 else 1)
        return rng.choice([f"${s}", s]), {"unit_price": n}, False
    if key == "date":
        s, iso, rel = V.when(rng, now)
        return s, {"date": iso}, rel
    gens = {"phone": V.phone, "company": V.company, "customer": lambda r: r.choice(
        [V.company(r), " ".join(w.capitalize() for w in V.person_name(r))]),
        "product": V.product, "desc": V.description, "project": V.project,
        "order_id": V.order_id, "issue": V.issue,
        "tier": lambda r: r.choice(V.TIERS), "priority": lambda r: r.choice(V.PRIORITIES),
        "category": lambda r: r.choice(V.CATEGORIES)}
    text = gens[key](rng)
    names = {"desc": "description"}
    return text, {names.get(key, key): text}, False


_PREFIXES = ["hey ", "hi, ", "hello! ", "ok so ", "quick question - ", "yo ", "morning! ",
             "hey flowdesk, ", "um ", "so ", "one more thing: "]
_SUFFIXES = [" thanks", " pls", " thx", " :)", " please", " thank you!", " 🙏", " ty"]


def _wrap(text: str, rng: random.Random) -> str:
    """Greetings and sign-offs people put around a request."""
    if rng.random() < 0.15:
        text = rng.choice(_PREFIXES) + text
    if rng.random() < 0.12 and text[-1:] not in "?!":
        text += rng.choice(_SUFFIXES)
    return text


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice(["swap", "drop", "double", "near"])
    if op == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if op == "drop":
        return word[:i] + word[i + 1:]
    if op == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice(string.ascii_lowercase) + word[i + 1:]


def _noise(literal: str, rng: random.Random, typos: bool, lower: bool) -> str:
    words = literal.split(" ")
    if typos:
        idx = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
        for i in rng.sample(idx, k=min(len(idx), rng.choice([1, 1, 2]))):
            words[i] = _typo(words[i], rng)
    out = " ".join(words)
    return out.lower() if lower else out


def render(template: str, rng: random.Random, now: date) -> tuple[str, dict[str, Any], bool]:
    """Fill a template; literal text may get typos or case changes, slot values never do."""
    typos, lower = rng.random() < 0.12, rng.random() < 0.15
    parts: list[str] = []
    args: dict[str, Any] = {}
    relative = False
    for literal, key, _, _ in string.Formatter().parse(template):
        parts.append(_noise(literal, rng, typos, lower))
        if key:
            text, contributed, rel = _slot(rng, key, now)
            parts.append(text)
            args.update(contributed)
            relative = relative or rel
    text = "".join(parts).strip()
    if text and rng.random() < 0.1:
        text = text[0].upper() + text[1:]
    if rng.random() < 0.08 and text[-1:] not in "?!.":
        text += rng.choice(["!", ".", " pls", " thanks", " asap"])
    return text, args, relative


def _form_args(extra: dict[str, Any], args: dict[str, Any], container: str) -> dict[str, Any]:
    fields = {k: v for k, v in args.items()}
    out: dict[str, Any] = {"form": extra["form"]}
    if fields:
        out[container] = fields
    return out


def _oos(rng: random.Random) -> str:
    template = rng.choice(oos.GENERAL + oos.NEAR_MISS * 2)
    fill = {"P": V.person(rng)[0], "CITY": rng.choice(V.CITIES), "CO": V.company(rng),
            "N": str(rng.randint(2, 5000))}
    text = _wrap(template.format(**fill), rng)
    return text.lower() if rng.random() < 0.2 else text


def build(seed: int = 7) -> list[Example]:
    """All examples of the corpus, shuffled, for the given seed."""
    rng = random.Random(seed)
    out: list[Example] = []
    for intent, n in COUNTS.items():
        for _ in range(n):
            out.append(_one(intent, rng))
    rng.shuffle(out)
    return out


def _one(intent: str, rng: random.Random) -> Example:
    now = date(2026, 1, 5) + timedelta(days=rng.randint(0, 360))
    extra: dict[str, Any] = {}
    if intent == "out_of_scope":
        return Example(text=_oos(rng), intent=intent)
    if intent == receipts.READ_RECEIPT:
        return receipts.example(rng)
    pool: dict[str, list[Any]] = {
        "approval.request": T.APPROVAL_REQUEST, "email.send": T.EMAIL_SEND, "help": T.HELP,
        "approval.list": T.APPROVAL_LIST, "approval.cancel": T.APPROVAL_CANCEL,
        "record.create": T.FORM_CREATE, "record.query": T.FORM_QUERY,
    }
    choice = rng.choice(pool[intent])
    template, extra = (choice, {}) if isinstance(choice, str) else choice
    text, args, relative = render(template, rng, now)
    if intent in ("record.create", "record.query"):
        args = _form_args(extra, args, "fields" if intent == "record.create" else "filters")
    else:
        args = {**extra, **args}
    return Example(text=_wrap(text, rng), intent=intent, args=args,
                   now=now.isoformat() + "T09:00:00" if relative else None)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    opts = parser.parse_args(argv)
    examples = build(opts.seed)
    seen: set[str] = set()
    lines = []
    for e in examples:
        if e.text.lower() in seen:
            continue
        seen.add(e.text.lower())
        lines.append(e.to_json())
    opts.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} examples to {opts.out}")


if __name__ == "__main__":
    main()
