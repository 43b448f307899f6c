"""Graceful shutdown: SIGTERM lets in-flight requests finish; queued work stays queued for the next worker."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage.tables import outbox
from tests.scale import flows
from tests.scale.cluster import Cluster
from tests.scale.redis_proc import RedisProcess

pytestmark = pytest.mark.postgres


async def outbox_states(url: str) -> list[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(sa.select(outbox.c.state))).scalars())
    finally:
        await engine.dispose()


async def test_sigterm_finishes_in_flight_requests_and_leaves_queued_work_queued(
    data_dir: Path, postgres_url: str, redis_proc: RedisProcess,
) -> None:
    cluster = Cluster(data_dir=data_dir, database_url=postgres_url, redis_url=redis_proc.url, flows=4,
                      extra_env={"SCALE_NLU_DELAY": "1.5"})
    try:
        await cluster.start_web()
        async with aiohttp.ClientSession() as session:
            async def claim(i: int) -> int:
                body = {"message": flows.claim_message(i).model_dump(mode="json"), "delivery_key": f"msg:{i}"}
                async with session.post(cluster.url(0) + "/test/messages", json=body) as response:
                    return response.status

            requests = [asyncio.create_task(claim(i)) for i in range(4)]
            await asyncio.sleep(0.5)  # all four are inside the (slow) NLU now
            cluster.webs[0].send_signal(15)
            statuses = await asyncio.gather(*requests)
        assert statuses == [200] * 4
        assert cluster.webs[0].wait(timeout=30) == 0
        assert await outbox_states(postgres_url) == ["pending"] * 4, "no worker ran: the cards wait in the outbox"
        assert await redis_proc_queue_length(redis_proc) == 4, "and their jobs wait in the queue"
        assert flows.posts(cluster.posts) == []

        cluster.start_worker()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while len(flows.cards_by_thread(flows.posts(cluster.posts))) < 4 and loop.time() < deadline:
            await asyncio.sleep(0.2)
        assert cluster.worker is not None and cluster.terminate(cluster.worker) == 0
    finally:
        cluster.stop()
    assert len(flows.cards_by_thread(flows.posts(cluster.posts))) == 4
    assert flows.duplicates(flows.posts(cluster.posts)) == []
    assert await outbox_states(postgres_url) == ["sent"] * 4


async def redis_proc_queue_length(redis_proc: RedisProcess) -> int:
    from redis.asyncio import Redis

    client = Redis.from_url(redis_proc.url)
    try:
        return int(await client.zcard("flowdesk:queue"))
    finally:
        await client.aclose()
