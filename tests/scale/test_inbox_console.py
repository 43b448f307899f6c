"""A console message whose process stopped after the 202 is answered by the next one, once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot import inbox as inbox_module
from bot.console.store import ConsoleStore
from bot.inbox import Inbox, inbox
from tests.browser.flows import ASK_APPROVAL
from tests.unit.console.conftest import Factory, console  # noqa: F401 - the fixture

pytestmark = pytest.mark.postgres


async def test_a_stored_console_message_nobody_answered_is_adopted_and_answered_once(
        console: Factory, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setattr(inbox_module, "SWEEP_EVERY_S", 0.1)
    async with console(database_url=postgres_url) as first:
        database = first.runtime.database
        # what the console's message endpoint stores before its 202, in a process that then died
        entry = await ConsoleStore(database=database).add(thread=None, author="alex", text=ASK_APPROVAL)
        dead = Inbox(database, lease=timedelta(seconds=0.3))
        assert await dead.put(platform="console", kind="message", key=f"console:{entry.id}",
                              payload={"entry": entry.id, "thread": entry.thread}) is not None
        for _ in range(100):
            replies = [e for e in await first.thread(entry.thread, user="alex") if e["author"] == "flowdesk"]
            if replies:
                break
            await asyncio.sleep(0.1)
        await first.adapter.idle()
        await asyncio.sleep(0.5)  # more sweeps: none may answer it again
        replies = [e for e in await first.thread(entry.thread, user="alex") if e["author"] == "flowdesk"]
        assert len(replies) == 1, replies
        assert [m.text for m in first.nlu.seen] == [ASK_APPROVAL]
        async with database.sessions() as session:
            states = (await session.execute(sa.select(inbox.c.state, inbox.c.attempts))).all()
        assert [tuple(s) for s in states] == [("done", 2)]
