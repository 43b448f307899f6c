"""Threads of the console, kept in the process (the console is a local try-out surface)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.models import Reply


@dataclass
class Entry:
    id: str
    thread: str
    author: str
    text: str
    card: dict[str, Any] | None = None
    private_to: str | None = None
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def visible_to(self, user: str) -> bool:
        return self.private_to is None or self.private_to == user


class ConsoleStore:
    """Threads and their entries; ``version`` lets pages poll cheaply."""

    def __init__(self) -> None:
        self.threads: dict[str, list[Entry]] = {}
        self.version = 0
        self._ids = itertools.count(1)

    def new_id(self) -> str:
        return f"m{next(self._ids)}"

    def add(self, *, thread: str, author: str, text: str, reply: Reply | None = None,
            private_to: str | None = None) -> Entry:
        entry = Entry(
            id=self.new_id(), thread=thread, author=author, text=text,
            card=reply.card.model_dump(mode="json") if reply and reply.card else None,
            private_to=private_to,
        )
        self.threads.setdefault(thread, []).append(entry)
        self.version += 1
        return entry

    def replace(self, entry_id: str, reply: Reply) -> bool:
        for entries in self.threads.values():
            for entry in entries:
                if entry.id == entry_id:
                    entry.text = reply.text or entry.text
                    entry.card = reply.card.model_dump(mode="json") if reply.card else None
                    self.version += 1
                    return True
        return False

    def snapshot(self, user: str) -> list[dict[str, Any]]:
        return [
            {"id": thread, "entries": [e.__dict__ for e in entries if e.visible_to(user)]}
            for thread, entries in self.threads.items()
        ]
