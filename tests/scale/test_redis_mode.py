"""The multi-replica mode in one test process: two web runtimes, a queue worker, PostgreSQL, Redis.

Web runtimes enqueue each committed outbox row on Redis; the arq worker
delivers it. Asserted from the outside: what the platform received, which
emails went out, and the final state of every approval.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.config import load_settings
from bot.runtime import Runtime
from bot.scale.workers import run_queue_worker
from bot.storage.tables import outbox
from connectors.tables import approvals
from tests.fakes.nlu import ScriptedNLU
from tests.scale import flows
from tests.scale.redis_proc import RedisProcess

pytestmark = pytest.mark.postgres


def settings(data_dir: Path, database_url: str, redis_url: str) -> Any:
    return load_settings({"FLOWDESK_DATA_DIR": str(data_dir), "FLOWDESK_DATABASE_URL": database_url,
                          "FLOWDESK_REDIS_URL": redis_url})


@asynccontextmanager
async def web(data_dir: Path, database_url: str, redis_url: str, nlu: ScriptedNLU) -> AsyncIterator[Runtime]:
    runtime = Runtime(settings=settings(data_dir, database_url, redis_url), nlu=nlu)
    await runtime.start(run_worker=True)
    try:
        yield runtime
    finally:
        await runtime.close()


@asynccontextmanager
async def worker(data_dir: Path, database_url: str, redis_url: str, record: Path) -> AsyncIterator[asyncio.Event]:
    runtime = Runtime(settings=settings(data_dir, database_url, redis_url), nlu=ScriptedNLU())
    runtime.add_adapter(flows.RecordingAdapter(record))
    await runtime.start(run_worker=False)
    stop = asyncio.Event()
    task = asyncio.create_task(run_queue_worker(runtime.worker, redis_url, stop=stop))
    try:
        yield stop
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)
        await runtime.close()


async def until(check: Callable[[], bool], *, timeout: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting for the worker"
        await asyncio.sleep(0.1)


async def states(runtime: Runtime) -> list[str]:
    async with runtime.database.sessions() as session:
        return list((await session.execute(sa.select(approvals.c.state))).scalars())


async def pending_rows(runtime: Runtime) -> int:
    async with runtime.database.sessions() as session:
        return int(await session.scalar(sa.select(sa.func.count()).where(outbox.c.state != "sent")) or 0)


async def run_flows(replicas: list[Runtime], count: int, record: Path,
                    midway: Callable[[], Any] | None = None) -> None:
    """Start ``count`` claims alternately on the replicas, then approve each card (clicked twice)."""
    await asyncio.gather(*(replicas[i % 2].dispatcher.handle_message(flows.claim_message(i), delivery_key=f"msg:{i}")
                           for i in range(count)))
    if midway is not None:
        midway()
    await until(lambda: len(flows.cards_by_thread(flows.posts(record))) == count)
    cards = flows.cards_by_thread(flows.posts(record))
    clicks = [replicas[(i + k) % 2].dispatcher.handle_interaction(flows.approve_click(i, cards[f"claim-{i}"], attempt=str(k)))
              for i in range(count) for k in range(2)]
    await asyncio.gather(*clicks)


def assert_exactly_once(record: Path, data_dir: Path, count: int) -> None:
    entries = flows.posts(record)
    assert flows.duplicates(entries) == []
    assert len(flows.cards_by_thread(entries)) == count
    assert sorted(flows.results(entries)) == sorted(f"claim-{i}" for i in range(count))
    assert all("was approved by mgr" in text for text in flows.results(entries).values())
    receipts = flows.mails(data_dir)
    assert len(receipts) == count
    assert {f"claimant{i}@example.com" for i in range(count)} == {
        line.split(":", 1)[1].strip() for mail in receipts for line in mail.splitlines() if line.startswith("To:")}


async def test_two_replicas_and_a_worker_deliver_every_notice_and_email_once(
    data_dir: Path, postgres_url: str, redis_proc: RedisProcess,
) -> None:
    count, record = 30, data_dir / "posts.jsonl"
    nlu = flows.teach_claims(ScriptedNLU(), count)
    async with (web(data_dir, postgres_url, redis_proc.url, nlu) as one,
                web(data_dir, postgres_url, redis_proc.url, nlu) as two,
                worker(data_dir, postgres_url, redis_proc.url, record)):
        await run_flows([one, two], count, record)
        await until(lambda: len(flows.mails(data_dir)) == count and len(flows.results(flows.posts(record))) == count)
        assert sorted(await states(one)) == ["approved"] * count
        for _ in range(100):  # the last post is on file a moment before its row is marked sent
            if await pending_rows(one) == 0:
                break
            await asyncio.sleep(0.1)
        assert await pending_rows(one) == 0
    assert_exactly_once(record, data_dir, count)


async def test_redis_restarted_midway_loses_and_duplicates_nothing(
    data_dir: Path, postgres_url: str, redis_proc: RedisProcess,
) -> None:
    count, record = 30, data_dir / "posts.jsonl"
    nlu = flows.teach_claims(ScriptedNLU(), count)
    async with (web(data_dir, postgres_url, redis_proc.url, nlu) as one,
                web(data_dir, postgres_url, redis_proc.url, nlu) as two,
                worker(data_dir, postgres_url, redis_proc.url, record)):
        await run_flows([one, two], count, record, midway=redis_proc.restart)
        redis_proc.restart()
        await until(lambda: len(flows.mails(data_dir)) == count and len(flows.results(flows.posts(record))) == count)
        assert sorted(await states(one)) == ["approved"] * count
    assert_exactly_once(record, data_dir, count)


async def test_work_committed_while_no_worker_runs_stays_queued_then_is_delivered(
    data_dir: Path, postgres_url: str, redis_proc: RedisProcess,
) -> None:
    count, record = 5, data_dir / "posts.jsonl"
    nlu = flows.teach_claims(ScriptedNLU(), count)
    async with web(data_dir, postgres_url, redis_proc.url, nlu) as one:
        for i in range(count):
            await one.dispatcher.handle_message(flows.claim_message(i), delivery_key=f"msg:{i}")
        await one.scale.queue.drain()
        queued = await one.scale.redis.zcard("flowdesk:queue")
        assert queued == count
        assert await pending_rows(one) == count
        assert flows.posts(record) == []
        async with worker(data_dir, postgres_url, redis_proc.url, record):
            await until(lambda: len(flows.cards_by_thread(flows.posts(record))) == count)
        assert await pending_rows(one) == 0
    assert flows.duplicates(flows.posts(record)) == []


async def test_a_retry_reaching_the_other_replica_is_handled_once(
    data_dir: Path, postgres_url: str, redis_proc: RedisProcess,
) -> None:
    nlu = flows.teach_claims(ScriptedNLU(), 1)
    async with (web(data_dir, postgres_url, redis_proc.url, nlu) as one,
                web(data_dir, postgres_url, redis_proc.url, nlu) as two):
        replies = await asyncio.gather(*(r.dispatcher.handle_message(flows.claim_message(0), delivery_key="slack:Ev1")
                                         for r in (one, two, one, two)))
        assert sum(reply is not None for reply in replies) == 1
        assert len(nlu.seen) == 1
        assert await states(one) == ["pending"]
        await one.scale.queue.drain()
        await two.scale.queue.drain()
        jobs = await one.scale.redis.zrange("flowdesk:queue", 0, -1)
        assert [job.decode() for job in jobs] == ["outbox:approval:APR-1001:card:0"]


async def test_with_redis_down_replicas_keep_answering_and_the_sweep_delivers_later(
    data_dir: Path, postgres_url: str, redis_proc: RedisProcess,
) -> None:
    count, record = 3, data_dir / "posts.jsonl"
    nlu = flows.teach_claims(ScriptedNLU(), count)
    async with web(data_dir, postgres_url, redis_proc.url, nlu) as one:
        redis_proc.stop()
        replies = [await one.dispatcher.handle_message(flows.claim_message(i), delivery_key=f"msg:{i}")
                   for i in range(count)]
        assert all(reply is not None for reply in replies)
        again = await one.dispatcher.handle_message(flows.claim_message(0), delivery_key="msg:0")
        assert again is None, "the database de-dup still stops the retry"
        assert sorted(await states(one)) == ["pending"] * count
        await one.scale.queue.drain()
        redis_proc.start()
        async with worker(data_dir, postgres_url, redis_proc.url, record):
            await until(lambda: len(flows.cards_by_thread(flows.posts(record))) == count)
    assert flows.duplicates(flows.posts(record)) == []
