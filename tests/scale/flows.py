"""Expense-claim flows for scale tests: claim -> approval card -> Approve -> record, receipt email, result.

Each flow makes two notices (the approver's card, the result in the requester's
thread) and one email. A recording adapter stands in for the platform and
appends every post to a JSON-lines file, so several processes can share it.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from bot.models import Address, Interaction, Message, Reply
from tests.fakes.nlu import ScriptedNLU

PLATFORM = "console"


def claim_text(i: int) -> str:
    return f"expense claim number {i}"


def teach_claims(nlu: ScriptedNLU, count: int) -> ScriptedNLU:
    for i in range(count):
        nlu.teach(claim_text(i), "workflow.start", workflow="expense_claim", inputs={
            "amount": 40 + i % 50, "description": f"taxi {i}", "manager": f"mgr{i}", "finance": "fin",
            "email": f"claimant{i}@example.com", "name": f"claimant{i}",
        })
    return nlu


def claim_message(i: int) -> Message:
    return Message(platform=PLATFORM, workspace="local", channel="console", thread=f"claim-{i}", id=f"m{i}",
                   user=f"claimant{i}", user_name=f"claimant{i}", text=claim_text(i))


def approve_click(i: int, ref: str, *, attempt: str = "") -> Interaction:
    return Interaction(platform=PLATFORM, workspace="local", channel="console", thread=f"claim-{i}",
                       user=f"mgr{i}", user_name=f"mgr{i}", action_id="approval.approve",
                       value=json.dumps({"request_id": ref}), message_id=f"card-{i}",
                       delivery_id=f"click:{i}:{attempt}")


class RecordingAdapter:
    """The platform as the worker sees it: every post is appended to ``path`` (O_APPEND, one line)."""

    platform = PLATFORM

    def __init__(self, path: Path) -> None:
        self.path = path

    def add_routes(self, app: Any) -> None:
        pass

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def send(self, to: Address, reply: Reply) -> dict[str, Any]:
        ref = {"post": uuid.uuid4().hex}
        self._append({"op": "send", "to": to.model_dump(mode="json"), "reply": reply.model_dump(mode="json"),
                      "ref": ref, "pid": os.getpid(), "at": time.time()})
        return ref

    async def update(self, ref: dict[str, Any], reply: Reply) -> None:
        self._append({"op": "update", "ref": ref, "reply": reply.model_dump(mode="json"), "pid": os.getpid(),
                      "at": time.time()})

    def _append(self, entry: dict[str, Any]) -> None:
        line = (json.dumps(entry, sort_keys=True) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


def posts(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def fields(reply: dict[str, Any]) -> dict[str, str]:
    card = reply.get("card") or {}
    return {str(k): str(v) for k, v in card.get("fields") or ()}


def cards_by_thread(entries: list[dict[str, Any]]) -> dict[str, str]:
    """thread -> approval ref of each Approve/Reject card that was posted."""
    found = {}
    for entry in entries:
        card = entry["reply"].get("card") or {}
        if entry["op"] == "send" and card.get("buttons"):
            found[entry["to"]["thread"]] = fields(entry["reply"])["Request"]
    return found


def duplicates(entries: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """Posts made more than once (same place, same content)."""
    seen = Counter(json.dumps([e["op"], e.get("to"), e["reply"]], sort_keys=True) for e in entries)
    return [(text[:200], n) for text, n in seen.items() if n > 1]


def results(entries: list[dict[str, Any]]) -> dict[str, str]:
    """thread -> text of the requester's result notice."""
    return {e["to"]["thread"]: e["reply"]["text"] for e in entries
            if e["op"] == "send" and "your request" in (e["reply"].get("text") or "")}


def mails(data_dir: Path) -> list[str]:
    folder = data_dir / "mail"
    return sorted(p.read_text(errors="replace") for p in folder.glob("*.eml")) if folder.exists() else []
