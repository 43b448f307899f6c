"""Builds a started Runtime with the scripted NLU and chosen connectors, for tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from bot.config import load_settings
from bot.runtime import Runtime
from connectors.base import Connector
from connectors.registry import ConnectorRegistry
from tests.fakes.nlu import ScriptedNLU


@asynccontextmanager
async def started_runtime(
    data_dir: Path, *, connectors: Iterable[Connector], nlu: ScriptedNLU | None = None,
    database_url: str | None = None, run_worker: bool = False, **settings: str,
) -> AsyncIterator[Runtime]:
    environ = {"FLOWDESK_DATA_DIR": str(data_dir), **{f"FLOWDESK_{k.upper()}": v for k, v in settings.items()}}
    if database_url:
        environ["FLOWDESK_DATABASE_URL"] = database_url
    runtime = Runtime(settings=load_settings(environ), nlu=nlu or ScriptedNLU(),
                      registry=ConnectorRegistry(connectors))
    await runtime.start(run_worker=run_worker)
    try:
        yield runtime
    finally:
        await runtime.close()
