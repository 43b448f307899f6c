"""Two Enter clicks at the same moment (a double click, a retried delivery): the file is entered once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.runtime import Runtime
from connectors.data_entry import DataEntryConfig, DataEntryConnector
from connectors.documents import DocumentsConfig, DocumentsConnector
from tests.fakes.runtime import started_runtime
from tests.integration.documents.chat import click, count, share
from tests.integration.documents.files import customers_workbook


async def _enter_twice_at_once(runtime: Runtime) -> None:
    data, expected = customers_workbook(150, existing=0)
    reply = await share(runtime, "customers.xlsx", data)
    first, second = await asyncio.gather(click(runtime, reply, "Enter"), click(runtime, reply, "Enter"))
    entered = [r for r in (first, second) if r.text.startswith("Entered")]
    refused = [r for r in (first, second) if "already entered" in r.text]
    assert len(entered) == 1 and len(refused) == 1, (first.text, second.text)
    assert await count(runtime) == len(expected.ready)


async def test_on_sqlite(runtime: Runtime) -> None:
    await _enter_twice_at_once(runtime)


async def test_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    connectors = [DataEntryConnector(config=DataEntryConfig()), DocumentsConnector(config=DocumentsConfig())]
    async with started_runtime(tmp_path / "data", connectors=connectors, database_url=postgres_url) as runtime:
        await _enter_twice_at_once(runtime)
