"""A running flowdesk (real HTTP on loopback) wired to a fake Slack Web API and an SMTP server."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiosmtpd.controller import Controller

from bot.config import load_settings
from bot.runtime import Runtime
from bot.server import build_app
from connectors.approvals import ApprovalsConnector
from connectors.email import EmailConnector
from connectors.registry import ConnectorRegistry
from tests.e2e.slack.players import SECRET, TOKEN, SlackPlayer
from tests.fakes.nlu import ScriptedNLU
from tests.fakes.slack_api import FakeSlack


class MailBox:
    """aiosmtpd handler keeping every message it was given."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def mailbox() -> Any:
    box = MailBox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    fake.add_user("W111", "Pat Requester", "pat@example.com")
    fake.add_user("UDANA0001", "Dana Kim", "dana.kim@example.com")
    fake.add_user("UEVE00001", "Eve Other", "eve@example.com")
    yield fake
    await fake.close()


@dataclass
class Bot:
    runtime: Runtime
    nlu: ScriptedNLU
    player: SlackPlayer
    slack: FakeSlack
    url: str


async def start_bot(tmp_path: Path, fake: FakeSlack, *, smtp_port: int | None = None,
                    extra: dict[str, str] | None = None, database_url: str | None = None,
                    nlu: Any = None, connectors: dict[str, Any] | None = None) -> tuple[Bot, Any]:
    env = {
        "FLOWDESK_DATA_DIR": str(tmp_path / "data"),
        "FLOWDESK_SLACK_SIGNING_SECRET": SECRET,
        "FLOWDESK_SLACK_BOT_TOKEN": TOKEN,
        "FLOWDESK_SLACK_API_URL": fake.api_url,
        **({"FLOWDESK_SMTP_HOST": "127.0.0.1", "FLOWDESK_SMTP_PORT": str(smtp_port),
            "FLOWDESK_SMTP_STARTTLS": "false"} if smtp_port else {}),
        **({"FLOWDESK_DATABASE_URL": database_url} if database_url else {}),
        **(extra or {}),
    }
    settings = load_settings(environ=env)
    classes = connectors or {"approvals": ApprovalsConnector, "email": EmailConnector}
    registry = ConnectorRegistry.load(settings.model_dump(), classes=classes)
    nlu = ScriptedNLU() if nlu is None else nlu
    runtime = Runtime(settings=settings, nlu=nlu, registry=registry)
    runtime.worker.poll_interval = 0.2
    runner = web.AppRunner(build_app(runtime), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    session = aiohttp.ClientSession()
    url = f"http://127.0.0.1:{port}"
    player = SlackPlayer(url=f"{url}/slack/events", session=session, hook_base=f"{fake.base}/hooks")

    async def stop() -> None:
        await session.close()
        await runner.cleanup()

    return Bot(runtime=runtime, nlu=nlu, player=player, slack=fake, url=url), stop


@pytest.fixture
async def bot(tmp_path: Path, fake_slack: FakeSlack, mailbox: Any) -> AsyncIterator[Bot]:
    running, stop = await start_bot(tmp_path, fake_slack, smtp_port=mailbox[1])
    yield running
    await stop()
