"""The console's threads, kept in the database (table ``console_entries``).

A thread is named by the id of its first entry. ``changed`` wakes the live
stream of every open page when this process writes; writes by another process
(a separate ``flowdesk worker``) are noticed through ``signature``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from bot.console.tables import console_entries, console_files
from bot.models import Attachment, Card, Parse, Reply
from bot.storage import Database

BOT = "flowdesk"
MAX_THREADS = 40


@dataclass(frozen=True)
class Entry:
    """One message of a thread as the page shows it."""

    id: str
    thread: str
    author: str
    is_bot: bool
    text: str
    card: dict[str, Any] | None
    private_to: str | None
    parse: dict[str, Any] | None
    at: str
    files: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_row(cls, row: Any, files: list[dict[str, Any]] | None = None) -> Entry:
        created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
        return cls(id=str(row.id), thread=row.thread, author=row.author, is_bot=bool(row.is_bot),
                   text=row.text, card=row.card, private_to=row.private_to, parse=row.parse,
                   at=created.isoformat(timespec="seconds"), files=files or [])

    def visible_to(self, user: str) -> bool:
        return self.private_to in (None, user)


@dataclass(frozen=True)
class StoredFile:
    """A file shared in a thread (an upload, or a report the bot handed over)."""

    name: str
    mime_type: str
    content: bytes
    entry: Entry


class Changes:
    """Wakes everyone waiting for the next write in this process."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> bool:
        """True when a write happened within ``timeout`` seconds."""
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            return False
        return True


class ConsoleStore:
    """Adds, updates and lists console entries."""

    def __init__(self, *, database: Database) -> None:
        self.database = database
        self.changed = Changes()

    async def add(self, *, thread: str | None, author: str, text: str, card: Card | None = None,
                  is_bot: bool = False, private_to: str | None = None,
                  files: Sequence[Attachment] = ()) -> Entry:
        """Append to ``thread``, or start a new thread when it is None; files need their bytes."""
        now = datetime.now(UTC)
        values = dict(thread=thread or "", author=author, is_bot=is_bot, text=text, private_to=private_to,
                      card=_card(card), created_at=now, updated_at=now)
        async with self.database.transaction() as session:
            inserted = await session.execute(console_entries.insert().values(**values))
            entry_id = inserted.inserted_primary_key[0]  # type: ignore[attr-defined]
            if not thread:
                await session.execute(console_entries.update().where(console_entries.c.id == entry_id)
                                      .values(thread=str(entry_id)))
            await _add_files(session, entry_id, files)
            row = (await session.execute(sa.select(console_entries).where(console_entries.c.id == entry_id))).one()
            listed = await _list_files(session, [entry_id])
        self.changed.notify()
        return Entry.from_row(row, listed.get(entry_id))

    async def say(self, *, thread: str, reply: Reply, to: str | None = None) -> Entry:
        """Post a reply of the bot; a private one only ``to`` sees."""
        return await self.add(thread=thread, author=BOT, is_bot=True, text=reply.text, card=reply.card,
                              private_to=to if reply.private else None, files=reply.attachments)

    async def replace(self, entry_id: str, reply: Reply) -> bool:
        """Update a posted card in place (a decision on it, a closed request)."""
        if not entry_id.isdigit():
            return False
        values: dict[str, Any] = dict(card=_card(reply.card), updated_at=datetime.now(UTC))
        if reply.text:
            values["text"] = reply.text
        async with self.database.transaction() as session:
            result = await session.execute(
                console_entries.update().where(console_entries.c.id == int(entry_id)).values(**values))
            if result.rowcount:  # type: ignore[attr-defined]
                await _add_files(session, int(entry_id), reply.attachments)
        self.changed.notify()
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def set_parse(self, entry_id: str, parse: Parse) -> None:
        """Remember what the NLU read in a person's message."""
        reading = {"intent": parse.intent, "confidence": round(parse.confidence, 4),
                   "args": parse.args, "alternatives": [list(a) for a in parse.alternatives]}
        async with self.database.transaction() as session:
            await session.execute(console_entries.update().where(console_entries.c.id == int(entry_id))
                                  .values(parse=reading, updated_at=datetime.now(UTC)))
        self.changed.notify()

    async def get(self, entry_id: str) -> Entry | None:
        if not entry_id.isdigit():
            return None
        async with self.database.sessions() as session:
            row = (await session.execute(
                sa.select(console_entries).where(console_entries.c.id == int(entry_id)))).first()
            listed = await _list_files(session, [int(entry_id)])
        return Entry.from_row(row, listed.get(int(entry_id))) if row is not None else None

    async def file(self, file_id: str) -> StoredFile | None:
        """A file with its bytes and the entry it belongs to (whose visibility applies)."""
        if not file_id.isdigit():
            return None
        async with self.database.sessions() as session:
            row = (await session.execute(sa.select(console_files).where(console_files.c.id == int(file_id)))).first()
        entry = await self.get(str(row.entry_id)) if row is not None else None
        if row is None or entry is None:
            return None
        return StoredFile(name=row.name, mime_type=row.mime_type, content=bytes(row.content), entry=entry)

    async def threads(self, user: str, *, limit: int = MAX_THREADS) -> list[dict[str, Any]]:
        """The latest threads, oldest first, with the entries ``user`` may see."""
        t = console_entries
        visible = sa.or_(t.c.private_to.is_(None), t.c.private_to == user)
        async with self.database.sessions() as session:
            roots = (await session.execute(
                sa.select(t.c.id).where(t.c.thread == sa.cast(t.c.id, sa.String)).order_by(t.c.id.desc()).limit(limit)
            )).scalars().all()
            keys = [str(r) for r in roots]
            rows = (await session.execute(
                sa.select(t).where(t.c.thread.in_(keys), visible).order_by(t.c.id))).all() if keys else []
            listed = await _list_files(session, [row.id for row in rows])
        grouped: dict[str, list[dict[str, Any]]] = {key: [] for key in reversed(keys)}
        for row in rows:
            grouped[row.thread].append(Entry.from_row(row, listed.get(row.id)).__dict__)
        return [{"id": key, "entries": entries} for key, entries in grouped.items() if entries]

    async def people(self) -> list[str]:
        """Everyone who wrote in the console, for the user picker."""
        async with self.database.sessions() as session:
            rows = await session.execute(sa.select(console_entries.c.author).where(~console_entries.c.is_bot)
                                         .distinct().limit(100))
        return sorted(str(r[0]) for r in rows)

    async def signature(self) -> tuple[Any, ...]:
        """Changes whenever any process wrote an entry."""
        t = console_entries
        async with self.database.sessions() as session:
            row = (await session.execute(sa.select(sa.func.count(), sa.func.max(t.c.updated_at)))).one()
        return tuple(row)


async def _add_files(session: Any, entry_id: int, files: Sequence[Attachment]) -> None:
    rows = [dict(entry_id=entry_id, name=f.name[:256], mime_type=f.mime_type[:128], size=len(f.content),
                 content=f.content) for f in files if f.content is not None]
    if rows:
        await session.execute(console_files.insert(), rows)


async def _list_files(session: Any, entry_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """File names and sizes (not the bytes) of these entries."""
    if not entry_ids:
        return {}
    f = console_files
    rows = await session.execute(sa.select(f.c.id, f.c.entry_id, f.c.name, f.c.mime_type, f.c.size)
                                 .where(f.c.entry_id.in_(entry_ids)).order_by(f.c.id))
    listed: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        listed.setdefault(row.entry_id, []).append(
            {"id": str(row.id), "name": row.name, "mime_type": row.mime_type, "size": row.size})
    return listed


def _card(card: Card | None) -> dict[str, Any] | None:
    return card.model_dump(mode="json") if card is not None else None
