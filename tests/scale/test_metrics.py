"""/metrics reports what an operator watches: requests and ack time per platform, approvals pending,
outbox depth and age (read from the database at scrape time, so any replica can be scraped)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot.config import load_settings
from bot.runtime import Runtime
from bot.server import build_app
from tests.fakes.nlu import ScriptedNLU
from tests.scale import flows


@pytest.fixture
async def client(data_dir: Path) -> AsyncIterator[TestClient]:
    settings = load_settings({"FLOWDESK_DATA_DIR": str(data_dir)})
    runtime = Runtime(settings=settings, nlu=flows.teach_claims(ScriptedNLU(), 3))
    client = TestClient(TestServer(build_app(runtime, run_worker=False)))
    await client.start_server()
    yield client
    await client.close()


async def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = await (await client.get("/metrics")).text()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def test_pending_approvals_outbox_and_console_requests_are_reported(client: TestClient) -> None:
    before = await scrape(client)
    for i in range(3):
        response = await client.post("/console/api/messages", json={"user": f"claimant{i}", "text": flows.claim_text(i)})
        assert response.status in (200, 202)  # the console may answer in the background
    after = await scrape(client)
    for _ in range(100):
        if after.get(("flowdesk_approvals_pending", ())) == 3:
            break
        await asyncio.sleep(0.1)
        after = await scrape(client)
    assert after[("flowdesk_approvals_pending", ())] == 3
    assert after[("flowdesk_outbox_depth", ())] >= 3, "the cards wait: no worker runs in this test"
    assert after[("flowdesk_outbox_oldest_age_seconds", ())] >= 0
    sent = ("flowdesk_requests_total", (("outcome", "ok"), ("platform", "console")))
    assert after[sent] - before.get(sent, 0) == 3
    acked = ("flowdesk_ack_seconds_count", (("platform", "console"),))
    assert after[acked] - before.get(acked, 0) == 3


async def test_a_rejected_request_is_counted_as_rejected(client: TestClient) -> None:
    key = ("flowdesk_requests_total", (("outcome", "rejected"), ("platform", "console")))
    before = (await scrape(client)).get(key, 0)
    response = await client.post("/console/api/messages", data=b"not json")
    assert 400 <= response.status < 500
    assert (await scrape(client))[key] - before == 1


async def test_readiness_turns_503_once_shutdown_begins(client: TestClient) -> None:
    assert (await client.get("/readyz")).status == 200
    await client.app.shutdown()
    ready = await client.get("/readyz")
    assert ready.status == 503 and (await ready.json())["draining"] is True
