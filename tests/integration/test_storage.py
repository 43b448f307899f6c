"""Storage on SQLite and PostgreSQL: migrations, outbox, de-dup, conversation state, the worker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot import conversation, dedup
from bot.models import Actor
from bot.outbox import SqlOutbox, utcnow
from bot.storage import Database
from bot.storage.tables import outbox
from bot.worker import OutboxWorker
from tests.conftest import postgres_schema


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


async def test_migrations_create_the_core_tables(database: Database) -> None:
    async with database.engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
    assert {"conversations", "pending_actions", "processed_events", "outbox", "delivered_messages",
            "alembic_version"} <= names
    await database.upgrade()  # a second run is a no-op
    assert await database.ping()


async def test_outbox_enqueue_is_idempotent_and_rolls_back_with_its_transaction(database: Database) -> None:
    box = SqlOutbox()
    async with database.transaction() as session:
        assert await box.enqueue(session, kind="email", key="k1", payload={"to": "a@example.com"})
        assert not await box.enqueue(session, kind="email", key="k1", payload={"to": "b@example.com"})
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            await box.enqueue(session, kind="email", key="k2", payload={})
            raise RuntimeError("the action failed")
    async with database.sessions() as session:
        keys = (await session.execute(sa.select(outbox.c.key, outbox.c.payload))).all()
    assert [(k, p["to"]) for k, p in keys] == [("k1", "a@example.com")]


async def test_dedup_claims_a_key_once_even_concurrently(database: Database) -> None:
    async def try_claim() -> bool:
        async with database.transaction() as session:
            return await dedup.claim(session, "Ev111")

    results = await asyncio.gather(*(try_claim() for _ in range(8)), return_exceptions=True)
    assert [r for r in results if r is True] == [True]


async def test_old_delivery_keys_are_forgotten_after_the_retry_window(database: Database) -> None:
    async with database.transaction() as session:
        assert await dedup.claim(session, "Ev-old")
    later = utcnow() + dedup.KEEP_FOR + timedelta(minutes=1)
    async with database.transaction() as session:
        assert await dedup.prune(session, now=later) == 1
    async with database.transaction() as session:
        assert await dedup.claim(session, "Ev-old")


async def test_conversation_state_round_trips_and_expires(database: Database) -> None:
    actor = Actor(platform="slack", workspace="T1", user="U1")
    question = conversation.OpenQuestion(intent="approval.request", args={"subject": "laptop"}, awaiting="approver", actor=actor)
    now = utcnow()
    async with database.transaction() as session:
        await conversation.save(session, "slack|T1|C1|1.0", question, now=now)
    async with database.transaction() as session:
        assert await conversation.load(session, "slack|T1|C1|1.0", now=now) == question
    async with database.transaction() as session:
        assert await conversation.load(session, "slack|T1|C1|1.0", now=now + timedelta(days=2)) is None


async def test_worker_retries_with_backoff_and_delivers_once(database: Database) -> None:
    attempts: list[str] = []

    async def flaky(payload: Any, key: str) -> None:
        attempts.append(key)
        if len(attempts) == 1:
            raise ConnectionError("SMTP is down")

    async with database.transaction() as session:
        await SqlOutbox().enqueue(session, kind="email", key="mail-1", payload={})
    worker = OutboxWorker(database=database, deliverers={"email": flaky})
    now = utcnow()
    assert await worker.run_once(now) == 0
    assert await worker.run_once(now) == 0  # backing off: not due yet
    assert await worker.run_once(now + timedelta(seconds=5)) == 1
    assert await worker.run_once(now + timedelta(minutes=30)) == 0
    assert attempts == ["mail-1", "mail-1"]
    async with database.sessions() as session:
        row = (await session.execute(sa.select(outbox))).one()
    assert (row.state, row.attempts) == ("sent", 1)


async def test_two_workers_never_deliver_the_same_row(database: Database) -> None:
    delivered: list[str] = []

    async def record(payload: Any, key: str) -> None:
        await asyncio.sleep(0.01)
        delivered.append(key)

    async with database.transaction() as session:
        for i in range(20):
            await SqlOutbox().enqueue(session, kind="notice", key=f"n{i}", payload={})
    workers = [OutboxWorker(database=database, deliverers={"notice": record}) for _ in range(2)]
    await asyncio.gather(*(w.run_once() for w in workers))
    assert sorted(delivered) == sorted(f"n{i}" for i in range(20))
