"""``flowdesk worker`` (the real command, in its own process) serves /healthz, /readyz and /metrics:
its delivery counters, the outbox and inbox gauges; readiness follows Redis; SIGTERM ends it cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.inbox import Inbox
from bot.models import Address, Notice, Reply
from bot.outbox import SqlOutbox
from bot.storage import Database
from tests.scale.cluster import ROOT, wait_ready
from tests.scale.redis_proc import RedisProcess, free_port

pytestmark = pytest.mark.postgres


def metric(text: str, sample: str) -> float | None:
    """The value of ``sample`` (a name with its labels, as exposed) in a /metrics page."""
    for line in text.splitlines():
        name, _, value = line.rpartition(" ")
        if name == sample:
            return float(value)
    return None


async def test_worker_probes_and_metrics(tmp_path: Path, postgres_url: str, redis_proc: RedisProcess) -> None:
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("FLOWDESK_")},
           "FLOWDESK_DATA_DIR": str(tmp_path), "FLOWDESK_DATABASE_URL": postgres_url,
           "FLOWDESK_REDIS_URL": redis_proc.url, "FLOWDESK_WORKER_PORT": str(port), "FLOWDESK_LOG_LEVEL": "WARNING"}
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed below
    worker = subprocess.Popen([sys.executable, "-m", "bot", "worker"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    database = Database(url=postgres_url)
    try:
        await wait_ready(base + "/readyz", worker)  # migrates first
        async with database.transaction() as session:
            await SqlOutbox().enqueue_notices(session, [Notice(
                to=Address(platform="console", channel="console"), reply=Reply(text="hello"), key="probe:1")])
        await Inbox(database).put(platform="slack", kind="event", key="slack:event:EvPROBE", payload={})
        async with aiohttp.ClientSession() as session:
            async with session.get(base + "/healthz") as response:
                assert response.status == 200
            sent = None
            for _ in range(80):  # the sweep (every 2 s) enqueues the row, a job delivers it; the gauges
                async with session.get(base + "/metrics") as response:  # follow at their next observation
                    assert response.status == 200
                    text = await response.text()
                sent = metric(text, 'flowdesk_outbox_deliveries_total{kind="notice",outcome="sent"}')
                if sent and metric(text, "flowdesk_outbox_depth") == 0.0 and metric(text, "flowdesk_inbox_depth"):
                    break
                await asyncio.sleep(0.25)
            assert sent == 1.0, text
            assert metric(text, "flowdesk_inbox_depth") == 1.0
            assert metric(text, "flowdesk_inbox_oldest_age_seconds") is not None
            assert metric(text, "flowdesk_outbox_depth") == 0.0
            async with session.get(base + "/readyz") as response:
                assert response.status == 200
                assert await response.json() == {"database": True, "redis": True, "stopping": False}
            redis_proc.stop()
            async with session.get(base + "/readyz") as response:
                assert response.status == 503 and (await response.json())["redis"] is False
            async with session.get(base + "/healthz") as response:
                assert response.status == 200, "alive without Redis: it reconnects by itself"
            redis_proc.start()
            async with session.get(base + "/readyz") as response:
                assert response.status == 200
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(worker.wait, 30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        log.close()
        await database.close()
