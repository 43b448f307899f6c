"""The inbox on SQLite and PostgreSQL: store once, lease, adopt after the lease, finish once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot import inbox as inbox_module
from bot.inbox import INBOX_DEPTH, INBOX_OLDEST_AGE, Inbox, Item, Sweeper, inbox, utcnow
from bot.storage import Database
from tests.conftest import postgres_schema

SHORT = timedelta(seconds=0.4)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async with AsyncExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path / 'flowdesk.db'}"
        else:
            url = await stack.enter_async_context(postgres_schema())
        db = Database(url=url)
        stack.push_async_callback(db.close)
        await db.upgrade()
        yield db


@pytest.fixture
async def new(database: Database) -> AsyncIterator[Callable[..., Inbox]]:
    """Makes inboxes on ``database`` (each a process's), closed at the end."""
    made: list[Inbox] = []

    def make(**options: Any) -> Inbox:
        made.append(Inbox(database, **options))
        return made[-1]

    yield make
    for box in made:
        await box.close()


async def rows(box: Inbox) -> list[tuple[str, str, int, str | None]]:
    async with box.database.sessions() as session:
        found = await session.execute(sa.select(inbox.c.key, inbox.c.state, inbox.c.attempts, inbox.c.owner)
                                      .order_by(inbox.c.id))
    return [tuple(row) for row in found]  # type: ignore[misc]


async def test_an_event_is_stored_once_leased_to_its_receiver(new: Callable[..., Inbox]) -> None:
    one, two = new(), new()
    item = await one.put(platform="slack", kind="command", key="slack:command:T1:1", payload={"text": "help"})
    assert item is not None and item.owner.startswith(one.owner + ".") and item.attempts == 1
    assert item.leased_until > utcnow() + timedelta(seconds=20)
    assert await two.put(platform="slack", kind="command", key="slack:command:T1:1", payload={"text": "x"}) is None
    assert await rows(two) == [("slack:command:T1:1", "pending", 1, item.owner)]
    assert await two.adopt("slack") == [], "a live lease is never taken over"


async def test_run_processes_once_and_a_finished_row_is_never_adopted(new: Callable[..., Inbox]) -> None:
    box = new(lease=SHORT)
    item = await box.put(platform="console", kind="message", key="console:1", payload={"entry": "1"})
    assert item is not None
    seen: list[str] = []

    async def handler(it: Item) -> None:
        seen.append(it.payload["entry"])

    assert await box.run(item, handler)
    assert seen == ["1"] and (await rows(box))[0][1] == "done"
    await asyncio.sleep(0.5)
    assert await new().adopt("console") == []


async def test_an_orphan_is_adopted_after_its_lease_by_one_process_and_the_old_holder_stands_down(
        new: Callable[..., Inbox]) -> None:
    dead = new(lease=SHORT)
    orphans = [await dead.put(platform="slack", kind="event", key=f"slack:event:Ev{i}", payload={"n": i})
               for i in range(6)]
    await dead.put(platform="console", kind="message", key="console:9", payload={})
    await asyncio.sleep(0.5)
    first, second = new(), new()
    a, b = await asyncio.gather(first.adopt("slack"), second.adopt("slack"))
    adopted = sorted([i.key for i in a] + [i.key for i in b])
    assert adopted == sorted(o.key for o in orphans if o), "each orphan goes to exactly one process"
    assert all(i.attempts == 2 and i.owner.startswith(first.owner + ".") for i in a)
    assert all(i.owner.startswith(second.owner + ".") for i in b)
    called: list[str] = []

    async def handler(it: Item) -> None:
        called.append(it.key)

    assert orphans[0] is not None
    assert not await dead.run(orphans[0], handler), "the first holder's lease is gone: it must not process"
    assert called == []
    for item in a:
        assert await first.run(item, handler)
    for item in b:
        assert await second.run(item, handler)
    assert sorted(called) == adopted
    assert [r[1] for r in await rows(first)] == ["done"] * 6 + ["pending"], "the console row is not Slack's"


async def test_a_failing_handler_is_retried_later_then_set_aside(new: Callable[..., Inbox],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inbox_module, "MAX_ATTEMPTS", 2)
    box = new(lease=SHORT)
    item = await box.put(platform="slack", kind="click", key="click:1", payload={})
    assert item is not None

    async def broken(_: Item) -> None:
        raise RuntimeError("connector down")

    assert await box.run(item, broken)
    async with box.database.sessions() as session:
        row = (await session.execute(sa.select(inbox))).one()
    assert row.state == "pending" and "connector down" in row.last_error
    assert await box.adopt("slack") == [], "retried after a pause, not at once"
    later = utcnow() + timedelta(minutes=10)
    again = await box.adopt("slack", now=later)
    assert [i.attempts for i in again] == [2]
    assert await box.adopt("slack", now=later + timedelta(minutes=10)) == [], "third start: set aside"
    assert (await rows(box))[0][1] == "dead"


async def test_remembered_facts_reach_the_process_that_adopts(new: Callable[..., Inbox]) -> None:
    dead = new(lease=SHORT)
    item = await dead.put(platform="slack", kind="command", key="slack:command:T1:7", payload={"body": {"a": 1}})
    assert item is not None
    item = await dead.remember(item, thread="1700000000.000100")
    assert item.facts == {"thread": "1700000000.000100"}
    await asyncio.sleep(0.5)
    [adopted] = await new().adopt("slack")
    assert adopted.facts == {"thread": "1700000000.000100"} and adopted.payload["body"] == {"a": 1}
    assert Item.from_json(adopted.to_json()) == adopted


async def test_depth_and_age_gauges_and_pruning(new: Callable[..., Inbox]) -> None:
    box = new()
    done = await box.put(platform="slack", kind="event", key="old", payload={})
    assert done is not None

    async def handler(_: Item) -> None:
        pass

    await box.run(done, handler)
    await box.put(platform="slack", kind="event", key="waiting", payload={})
    await box.observe(now=utcnow() + timedelta(seconds=30))
    assert INBOX_DEPTH._value.get() == 1  # type: ignore[attr-defined]
    assert 29 <= INBOX_OLDEST_AGE._value.get() <= 40  # type: ignore[attr-defined]
    assert await box.prune() == 0
    assert await box.prune(now=utcnow() + timedelta(days=3)) == 1
    assert [r[0] for r in await rows(box)] == ["waiting"], "a pending row is never pruned"


async def test_the_sweeper_hands_orphans_over(new: Callable[..., Inbox]) -> None:
    dead = new(lease=SHORT)
    await dead.put(platform="slack", kind="event", key="slack:event:EvS", payload={"n": 1})
    taken: list[Item] = []
    sweeper = Sweeper(new(), platform="slack", take=taken.append, every=0.1)
    sweeper.start()
    try:
        for _ in range(50):
            if taken:
                break
            await asyncio.sleep(0.05)
    finally:
        await sweeper.close()
    assert [i.key for i in taken] == ["slack:event:EvS"]


async def test_puts_arriving_together_share_a_transaction_and_a_key_is_stored_once(new: Callable[..., Inbox]) -> None:
    one, two = new(), new()
    keys = [f"slack:event:Ev{i % 30}" for i in range(90)]  # each key three times, from two "replicas"
    puts = [(one if i % 2 else two).put(platform="slack", kind="event", key=key, payload={"i": i})
            for i, key in enumerate(keys)]
    items = await asyncio.gather(*puts)
    stored = [item for item in items if item is not None]
    assert sorted(item.key for item in stored) == sorted(set(keys))
    assert all(item.payload["i"] == keys.index(item.key) for item in stored), "the first delivery of a key wins"
    assert len(await rows(one)) == 30
    async with two.database.sessions() as session:
        ids = dict((await session.execute(sa.select(inbox.c.key, inbox.c.id))).all())
    assert all(ids[item.key] == item.id for item in stored)


async def test_on_sqlite_the_inbox_has_a_file_of_its_own_and_on_postgresql_the_migrated_table(
        database: Database, new: Callable[..., Inbox]) -> None:
    box = new()
    await box.put(platform="slack", kind="event", key="slack:event:EvF", payload={})
    if database.is_sqlite:
        assert box.database is not database and box.database.url.endswith("flowdesk-inbox.db")
        async with database.sessions() as session:  # the main file's table (migration 0008) stays unused
            assert await session.scalar(sa.select(sa.func.count()).select_from(inbox)) == 0
    else:
        assert box.database is database
    async with box.database.sessions() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(inbox)) == 1


async def test_a_live_process_keeps_its_rows_however_long_they_wait_and_gives_them_back_when_its_worker_dies(
        new: Callable[..., Inbox]) -> None:
    alive, other = new(lease=SHORT), new()
    queued = await alive.put(platform="slack", kind="event", key="slack:event:EvQ", payload={})
    assert queued is not None
    for _ in range(4):  # 0.8 s: twice the lease, renewed as the sweeper does
        await asyncio.sleep(0.2)
        assert await alive.renew() == 1
    assert await other.adopt("slack") == [], "renewed: never adopted while its process lives"
    assert await alive.release() == 1
    [adopted] = await other.adopt("slack")
    assert adopted.owner != queued.owner

    async def handler(_: Item) -> None:
        raise AssertionError("the copy held under the given-up claim must not run")

    assert not await alive.run(queued, handler)
    again = await alive.adopt("slack")
    assert again == [], "the adopter holds it now"
