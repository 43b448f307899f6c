"""A shared file is read before the pipeline's transaction: others can write to SQLite meanwhile."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from bot.models import Attachment, Message
from bot.runtime import Runtime
from connectors.documents import DocumentsConnector
from tests.integration.documents.chat import share

CSV = b"Name,Email,Notes\nAda Lovelace,ada@example.com,met at expo\n"


def writer(runtime: Runtime, written: list[str]) -> Any:
    """A lent encoder that, while headers are matched (mid-parse), writes to the database from elsewhere,
    giving up after 0.2 s if the write lock is taken."""
    path = runtime.settings.effective_database_url.split(":///", 1)[1]

    def embed(texts: Sequence[str]) -> Any:
        key = f"probe:{uuid.uuid4().hex}"
        with sqlite3.connect(path, timeout=0.2) as db:
            db.execute("INSERT INTO processed_events (key, created_at) VALUES (?, CURRENT_TIMESTAMP)", (key,))
        written.append(key)
        return np.zeros((len(texts), 4))

    return embed


def documents(runtime: Runtime) -> DocumentsConnector:
    return next(c for c in runtime.registry.connectors if isinstance(c, DocumentsConnector))


async def test_another_writer_is_not_blocked_while_a_shared_file_is_parsed(runtime: Runtime) -> None:
    written: list[str] = []
    documents(runtime).use_encoder(writer(runtime, written))
    message = Message(platform="console", workspace="local", channel="console", id="m1", user="alex", text="",
                      attachments=(Attachment(name="people.csv", size=len(CSV), content=CSV),))
    reply = await runtime.dispatcher.handle_message(message, delivery_key="lock-1")
    assert reply is not None and reply.card is not None and "1 row ready" in reply.card.title
    assert written, "the file was parsed while another connection wrote"


async def test_the_probe_does_see_the_lock_inside_a_transaction(runtime: Runtime) -> None:
    """Control: parsing inside the action's transaction (a click that re-reads a file) meets the lock."""
    written: list[str] = []
    documents(runtime).use_encoder(writer(runtime, written))
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        await share(runtime, "people.csv", CSV)
    assert written == []
