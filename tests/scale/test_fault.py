"""Fault tests: two web replicas and a worker in their own processes; midway, one replica is
SIGKILLed and restarted, or Redis is killed and restarted empty.

Flows are driven over HTTP through both replicas concurrently; a request that
hits the dead replica is retried on the other with the same delivery key, as a
platform retries. Afterwards every approval has exactly one final state, and
every notice and email went out exactly once.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage.tables import outbox
from connectors.tables import approval_events, approvals
from tests.scale import flows
from tests.scale.cluster import Cluster
from tests.scale.redis_proc import RedisProcess

pytestmark = pytest.mark.postgres

FLOWS = int(os.environ.get("SCALE_FAULT_FLOWS", "200"))  # fewer for a quick local run
RETRY_FOR_S = 90.0


class Watcher:
    """Follows the worker's posts file: which threads got their card and their result."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, 0
        self.cards: dict[str, str] = {}
        self.results: dict[str, str] = {}

    def poll(self) -> None:
        if not self.path.exists():
            return
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            chunk = handle.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self.offset += len(complete)
        entries = [json.loads(line) for line in complete.splitlines() if line.strip()]
        self.cards.update(flows.cards_by_thread(entries))
        self.results.update(flows.results(entries))

    async def card(self, thread: str, timeout: float) -> str | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while thread not in self.cards and loop.time() < deadline:
            await asyncio.sleep(0.2)
            self.poll()
        return self.cards.get(thread)


class Driver:
    def __init__(self, cluster: Cluster, session: aiohttp.ClientSession) -> None:
        self.cluster, self.session = cluster, session
        self.limit = asyncio.Semaphore(40)
        self.failovers = 0

    async def post(self, path: str, body: dict[str, Any], prefer: int) -> None:
        """POST to replica ``prefer``; on a connection failure retry on the other, same body."""
        loop = asyncio.get_running_loop()
        deadline, index = loop.time() + RETRY_FOR_S, prefer
        while True:
            try:
                async with self.limit, self.session.post(self.cluster.url(index) + path, json=body,
                                                         timeout=aiohttp.ClientTimeout(total=15)) as response:
                    if response.status == 200:
                        return
                    text = await response.text()
            except (aiohttp.ClientError, TimeoutError) as exc:
                text = repr(exc)
            assert loop.time() < deadline, f"{path} kept failing: {text}"
            self.failovers += 1
            index = 1 - index
            await asyncio.sleep(0.3)


async def run_flow(i: int, driver: Driver, watcher: Watcher, started: list[int]) -> None:
    message = {"message": flows.claim_message(i).model_dump(mode="json"), "delivery_key": f"msg:{i}"}
    await driver.post("/test/messages", message, prefer=i % 2)
    started.append(i)
    ref = None
    for _ in range(8):  # the platform retries a delivery it never saw answered
        ref = await watcher.card(f"claim-{i}", timeout=12)
        if ref:
            break
        await driver.post("/test/messages", message, prefer=(i + 1) % 2)
    assert ref, f"claim {i} never got its approval card"
    for attempt in range(2):  # a double click, the second on the other replica
        click = flows.approve_click(i, ref, attempt=str(attempt)).model_dump(mode="json")
        await driver.post("/test/clicks", click, prefer=(i + attempt) % 2)


async def kill_and_restart(cluster: Cluster, started: list[int]) -> None:
    while len(started) < FLOWS // 2:
        await asyncio.sleep(0.05)
    cluster.kill_web(1)
    await asyncio.sleep(1.0)
    await cluster.start_web(1)


async def restart_redis(redis_proc: RedisProcess, started: list[int]) -> None:
    """Redis loses everything midway (no persistence): queued jobs, de-dup marks, locks."""
    while len(started) < FLOWS // 2:
        await asyncio.sleep(0.05)
    await asyncio.to_thread(redis_proc.restart)


async def database_state(url: str) -> tuple[list[str], list[str], int, list[int]]:
    """Approval states and subjects, unsent outbox rows, and final transitions per approval."""
    engine = create_async_engine(url)
    final = ("approved", "rejected", "cancelled", "expired")
    try:
        async with engine.connect() as conn:
            states = list((await conn.execute(sa.select(approvals.c.state))).scalars())
            subjects = list((await conn.execute(sa.select(approvals.c.subject))).scalars())
            unsent = await conn.scalar(sa.select(sa.func.count()).where(outbox.c.state != "sent"))
            transitions = list((await conn.execute(
                sa.select(sa.func.count()).where(approval_events.c.to_state.in_(final))
                .group_by(approval_events.c.approval_id))).scalars())
    finally:
        await engine.dispose()
    return states, subjects, int(unsent or 0), transitions


@pytest.mark.parametrize("fault", ["replica SIGKILLed", "Redis restarted"])
async def test_a_fault_midway_loses_and_duplicates_nothing(
    data_dir: Path, postgres_url: str, redis_proc: RedisProcess, fault: str,
) -> None:
    cluster = Cluster(data_dir=data_dir, database_url=postgres_url, redis_url=redis_proc.url, flows=FLOWS)
    try:
        await cluster.start_web()  # migrates the database first
        await cluster.start_web()
        cluster.start_worker()
        watcher, started = Watcher(cluster.posts), []
        async with aiohttp.ClientSession() as session:
            driver = Driver(cluster, session)
            chaos = asyncio.create_task(kill_and_restart(cluster, started) if fault == "replica SIGKILLed"
                                        else restart_redis(redis_proc, started))
            await asyncio.gather(*(run_flow(i, driver, watcher, started) for i in range(FLOWS)))
            await chaos
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while loop.time() < deadline:
            watcher.poll()
            if len(watcher.results) >= FLOWS and len(flows.mails(data_dir)) >= FLOWS:
                if (await database_state(postgres_url))[2] == 0:
                    break
            await asyncio.sleep(0.3)
    finally:
        cluster.stop()
    states, subjects, unsent, transitions = await database_state(postgres_url)
    assert len(states) == FLOWS and set(states) == {"approved"}, cluster.log("worker.log")
    assert transitions == [1] * FLOWS, "each approval reached its final state by exactly one transition"
    assert len(set(subjects)) == FLOWS
    assert unsent == 0
    entries = flows.posts(cluster.posts)
    assert flows.duplicates(entries) == []
    assert len(flows.cards_by_thread(entries)) == FLOWS
    assert len(flows.results(entries)) == FLOWS
    receipts = flows.mails(data_dir)
    assert len(receipts) == FLOWS
    if fault == "replica SIGKILLed":
        assert driver.failovers > 0, "the kill did not hit any request; the test proved nothing"
