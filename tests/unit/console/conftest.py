"""A console served by the real aiohttp app, with the real approvals and email connectors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.config import load_settings
from bot.console.adapter import ConsoleAdapter
from bot.runtime import Runtime
from bot.server import build_app
from tests.browser.flows import console_registry, scripted_nlu
from tests.fakes.nlu import ScriptedNLU


@dataclass
class Console:
    client: TestClient
    runtime: Runtime
    nlu: ScriptedNLU

    @property
    def adapter(self) -> ConsoleAdapter:
        return self.runtime.adapters["console"]  # type: ignore[return-value]

    async def say(self, text: str, *, user: str, thread: str | None = None) -> str:
        """Post a message, wait for the pipeline's answer; returns the thread."""
        response = await self.client.post("/console/api/messages", json={"user": user, "text": text, "thread": thread})
        assert response.status == 202, await response.text()
        await self.adapter.idle()
        return str((await response.json())["thread"])

    async def thread(self, thread: str, *, user: str) -> list[dict]:
        response = await self.client.get("/console/api/state", params={"user": user})
        assert response.status == 200
        threads = {t["id"]: t["entries"] for t in (await response.json())["threads"]}
        return threads.get(thread, [])

    async def deliver(self) -> None:
        """One round of the background worker (notices, mail)."""
        await self.runtime.worker.run_once()


Factory = Callable[..., AbstractAsyncContextManager[Console]]


@pytest.fixture
def console(data_dir: Path) -> Factory:
    @asynccontextmanager
    async def make(*, host: str = "127.0.0.1", token: str | None = None,
                   database_url: str | None = None) -> AsyncIterator[Console]:
        environ = {"FLOWDESK_DATA_DIR": str(data_dir)}
        if database_url:
            environ["FLOWDESK_DATABASE_URL"] = database_url
        if token:
            environ["FLOWDESK_CONSOLE_TOKEN"] = token
        settings = load_settings(environ)
        nlu = scripted_nlu()
        runtime = Runtime(settings=settings, nlu=nlu, registry=console_registry(settings))
        app = build_app(runtime, host=host, run_worker=False)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            yield Console(client=client, runtime=runtime, nlu=nlu)

    return make
