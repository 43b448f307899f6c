"""A started runtime with the data-entry and documents connectors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.runtime import Runtime
from connectors.data_entry import DataEntryConfig, DataEntryConnector
from connectors.documents import DocumentsConfig, DocumentsConnector
from tests.fakes.runtime import started_runtime


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    connectors = [DataEntryConnector(config=DataEntryConfig()), DocumentsConnector(config=DocumentsConfig())]
    async with started_runtime(tmp_path / "data", connectors=connectors) as started:
        yield started
