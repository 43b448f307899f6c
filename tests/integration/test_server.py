"""The aiohttp server in-process: health, readiness, metrics, and the console page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.config import load_settings
from bot.runtime import Runtime
from bot.server import build_app, is_loopback
from connectors.base import ConnectorConfig
from connectors.registry import ConnectorRegistry
from tests.fakes.connectors import NotebookConnector
from tests.fakes.nlu import ScriptedNLU


async def _client(data_dir: Path, *, host: str = "127.0.0.1", **env: str) -> TestClient:
    settings = load_settings({"FLOWDESK_DATA_DIR": str(data_dir), **env})
    nlu = ScriptedNLU()
    nlu.teach("note: milk", "note.add", title="milk")
    runtime = Runtime(settings=settings, nlu=nlu,
                      registry=ConnectorRegistry([NotebookConnector(config=ConnectorConfig())]))
    client = TestClient(TestServer(build_app(runtime, host=host)))
    await client.start_server()
    return client


@pytest.fixture
async def client(data_dir: Path) -> AsyncIterator[TestClient]:
    client = await _client(data_dir)
    yield client
    await client.close()


async def test_health_readiness_and_metrics(client: TestClient) -> None:
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 200
    assert (await ready.json())["database"] is True
    metrics = await client.get("/metrics")
    assert metrics.status == 200
    body = await metrics.text()
    assert "flowdesk_outbox_depth" in body and "flowdesk_actions_total" in body


async def test_console_page_is_served_at_the_root(client: TestClient) -> None:
    page = await client.get("/")
    assert page.status == 200 and "flowdesk" in await page.text()


async def test_console_off_on_a_public_address_without_token(data_dir: Path) -> None:
    client = await _client(data_dir, host="0.0.0.0")
    try:
        assert (await client.get("/")).status == 403
        assert (await client.get("/healthz")).status == 200
    finally:
        await client.close()


def test_loopback_detection() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.0.0.5")
