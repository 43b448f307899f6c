"""Reply texts the generator learns to say back, conditioned on an action's result.

Each labelled example becomes a (result, reply) pair: the result is drawn the way a
connector reports it (status and a one-line summary), and the reply is one of several
phrasings that mention the arguments. Varied phrasings and procedurally varied values
teach the model to copy names and subjects from its conditioning, not to memorise them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from typing import Any

from intents.schemas import INTERNAL_SCHEMAS

Pair = tuple[str, dict[str, Any], str, str, str]

_PHRASES: dict[tuple[str, str], list[str]] = {
    ("approval.request", "pending"): [
        "I've asked {approver} to approve {subject}. I'll let you know when they decide.",
        "Sent {subject} to {approver} for approval. You'll hear back in this thread.",
        "Done: {approver} has a request to approve {subject}.",
        "Request for {subject} is with {approver} now.",
    ],
    ("approval.request", "done"): ["{approver} approved {subject}.", "Good news: {subject} was approved by {approver}."],
    ("approval.request", "rejected"): ["{approver} rejected {subject}.", "Sorry, {approver} turned down {subject}."],
    ("approval.cancel", "done"): ["Cancelled {request_id}.", "OK, {request_id} is withdrawn.", "{request_id} has been cancelled."],
    ("approval.list", "done"): ["Here are your approvals: {summary}", "{summary}"],
    ("email.send", "pending"): ["Here's the draft to {to}. Send it?", "Drafted an email to {to}: check it and press Send."],
    ("email.send", "done"): ["Email sent to {to}.", "Sent! {to} should have it shortly.", "Your email to {to} is on its way."],
    ("record.create", "done"): ["Saved the {form}.", "Added a new {form} record.", "Done: the {form} is recorded."],
    ("record.query", "done"): ["Here's what I found: {summary}", "Results for {form}: {summary}"],
    ("help", "done"): [
        "I can request approvals, send email and enter or look up records. Try \"ask @dana to approve the new laptop\".",
        "Ask me to get something approved, email someone, or log a record, like \"log 3h on Apollo\".",
    ],
}
_ANY: dict[str, list[str]] = {
    "done": ["Done: {summary}.", "All set. {summary}.", "OK, {summary}."],
    "pending": ["Working on it: {summary}.", "Started: {summary}. I'll follow up here."],
    "failed": ["Sorry, that didn't work: {summary}.", "Something went wrong: {summary}."],
    "rejected": ["I can't do that: {summary}.", "That was not accepted: {summary}."],
    "cancelled": ["Cancelled: {summary}.", "OK, I won't do it."],
}
_STATUS = {"approval.request": ["pending", "pending", "done", "rejected", "failed"], "email.send": ["done", "pending", "failed"]}


def _show(value: Any) -> str:
    if isinstance(value, list):
        return " and ".join(_show(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _summary(intent: str, args: dict[str, Any], status: str, rng: random.Random) -> str:
    words = " ".join(f"{k} {_show(v)}" for k, v in args.items() if not isinstance(v, dict))
    record = f"APR-{rng.randint(1, 9999)}" if intent.startswith("approval") else f"#{rng.randint(1, 999)}"
    if status in ("failed", "rejected"):
        return rng.choice(["the service is not reachable", "you are not allowed to do that", "no such record"])
    return f"{intent} {record} {words}".strip()


def _render(pattern: str, values: dict[str, str]) -> str | None:
    try:
        return pattern.format(**values)
    except (KeyError, IndexError):
        return None


def reply_examples(examples: Sequence[Any], rng: random.Random, *, limit: int) -> Iterator[Pair]:
    """Up to ``limit`` (intent, args, status, summary, reply) pairs drawn from ``examples``."""
    pool = [e for e in examples if e.intent != "out_of_scope" and e.intent not in INTERNAL_SCHEMAS]
    rng.shuffle(pool)
    made = 0
    for e in pool:
        if made >= limit:
            return
        args = dict(e.args or {})
        status = rng.choice(_STATUS.get(e.intent, ["done", "done", "failed"]))
        summary = _summary(e.intent, args, status, rng)
        values = {k: _show(v) for k, v in args.items()} | {"summary": summary}
        options = _PHRASES.get((e.intent, status)) or _ANY[status]
        reply = _render(rng.choice(options), values) or _render(rng.choice(_ANY[status]), values)
        if reply:
            made += 1
            yield e.intent, args, status, summary, reply


def vocabulary_texts() -> list[str]:
    """Reply phrasings, so the shipped vocabulary covers what the bot says."""
    return [p for group in (*_PHRASES.values(), *_ANY.values()) for p in group]
