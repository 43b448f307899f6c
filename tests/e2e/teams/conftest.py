"""The whole bot on loopback with Teams on, a fake Bot Framework, and signed activities."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.config import load_settings
from bot.runtime import Runtime
from bot.server import build_app
from connectors.approvals import ApprovalsConnector
from connectors.base import Connector, ConnectorConfig
from connectors.registry import ConnectorRegistry
from tests.fakes.botframework import FakeBotFramework, SigningKey
from tests.fakes.connectors import NotebookConnector
from tests.fakes.nlu import ScriptedNLU

FIXTURES = Path(__file__).resolve().parent / "fixtures"
APP_ID = "7d4b0b59-0b6e-4cdb-8b9b-2f0b9f6c1a11"
APP_PASSWORD = "test-app-password"
BOT = {"id": f"28:{APP_ID}", "name": "flowdesk"}
REQUESTER = {"id": "29:1-requester", "name": "Rido Lee", "aadObjectId": "b15a9416-0ad3-4172-9210-7beb711d3f70"}
APPROVER = {"id": "29:1-dana", "name": "Dana Kim", "aadObjectId": "c5e99701-2a32-49c1-a660-4629ceeb8c61"}
INTRUDER = {"id": "29:1-mallory", "name": "Mallory", "aadObjectId": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"}


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def signing_key() -> SigningKey:
    return SigningKey()


@pytest.fixture
def bf(signing_key: SigningKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBotFramework]:
    fake = FakeBotFramework(keys=[signing_key], workdir=tmp_path, app_id=APP_ID, app_password=APP_PASSWORD,
                            members={APPROVER["id"]: {**APPROVER, "userPrincipalName": "dana.kim@example.com"}})
    fake.start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.ca_file))
    yield fake
    fake.stop()


@pytest.fixture
def nlu() -> ScriptedNLU:
    return ScriptedNLU()


def make_runtime(bf: FakeBotFramework, data_dir: Path, nlu: ScriptedNLU, *, extra: tuple[Connector, ...] = (),
                 **env: str) -> Runtime:
    environ = {
        "FLOWDESK_DATA_DIR": str(data_dir), "FLOWDESK_TEAMS_APP_ID": APP_ID,
        "FLOWDESK_TEAMS_APP_PASSWORD": APP_PASSWORD,
        "FLOWDESK_TEAMS_OPENID_METADATA_URL": bf.metadata_url, "FLOWDESK_TEAMS_LOGIN_URL": bf.login_url, **env,
    }
    settings = load_settings(environ)
    registry = ConnectorRegistry([ApprovalsConnector(config=ApprovalsConnector.Config()),
                                  NotebookConnector(config=ConnectorConfig()), *extra])
    return Runtime(settings=settings, nlu=nlu, registry=registry)


class TeamsChannel:
    """Sends activities the way Teams does: signed JSON to ``POST /api/messages``."""

    def __init__(self, client: TestClient, bf: FakeBotFramework, key: SigningKey) -> None:
        self.client = client
        self.bf = bf
        self.key = key
        self.sent = 0
        self.runtime: Runtime | None = None

    def token(self, **overrides: Any) -> str:
        return self.key.token(audience=overrides.pop("audience", APP_ID),
                              service_url=overrides.pop("service_url", self.bf.service_url), **overrides)

    async def post(self, activity: dict[str, Any], *, token: str | None = None,
                   headers: dict[str, str] | None = None) -> tuple[int, Any]:
        sent = {"Authorization": f"Bearer {token or self.token()}", **(headers or {})}
        response = await self.client.post("/api/messages", json=activity, headers=sent)
        text = await response.text()
        try:
            return response.status, json.loads(text) if text else None
        except ValueError:
            return response.status, text

    def channel_message(self, text: str, *, sender: dict[str, str] = REQUESTER,
                        people: tuple[dict[str, str], ...] = ()) -> dict[str, Any]:
        """The teams.net channel capture, addressed to this bot, mentioning it and ``people``."""
        self.sent += 1
        activity = copy.deepcopy(fixture("teams_message_mention_channel.json"))
        activity.update(id=str(1759944781430 + self.sent), serviceUrl=self.bf.service_url, recipient=BOT,
                        text=f"<at>{BOT['name']}</at> {text}")
        activity["from"] = sender
        activity["attachments"] = []
        mentions = [{"mentioned": BOT, "text": f"<at>{BOT['name']}</at>", "type": "mention"}]
        mentions += [{"mentioned": {"id": p["id"], "name": p["name"]}, "text": f"<at>{p['name']}</at>",
                      "type": "mention"} for p in people]
        activity["entities"] = mentions + [e for e in activity["entities"] if e["type"] != "mention"]
        return activity

    def personal_message(self, text: str, *, sender: dict[str, str] = REQUESTER) -> dict[str, Any]:
        self.sent += 1
        activity = copy.deepcopy(fixture("teams_message_personal_full_inbound_docs.json"))
        activity.update(id=str(1485983408511 + self.sent), serviceUrl=self.bf.service_url, recipient=BOT, text=text)
        activity["from"] = sender
        return activity

    def execute(self, action: dict[str, Any], *, sender: dict[str, str], card_id: str,
                conversation: dict[str, Any], activity_id: str | None = None) -> dict[str, Any]:
        """An ``adaptiveCard/action`` invoke for a click on ``action`` (shape of the teams.net capture)."""
        self.sent += 1
        activity = copy.deepcopy(fixture("teams_invoke_adaptive_card_action.json"))
        activity.update(id=activity_id or f"f:click-{self.sent}", serviceUrl=self.bf.service_url, recipient=BOT,
                        replyToId=card_id, conversation=conversation)
        activity["from"] = sender
        activity["value"] = {"action": {"type": "Action.Execute", "title": action["title"],
                                        "verb": action.get("verb"), "data": action["data"]}, "trigger": "manual"}
        return activity


@asynccontextmanager
async def serve(bf: FakeBotFramework, key: SigningKey, data_dir: Path, nlu: ScriptedNLU, *,
                run_worker: bool = True, extra: tuple[Connector, ...] = (), **env: str) -> AsyncIterator[TeamsChannel]:
    """``flowdesk serve`` on a loopback port (worker included unless told otherwise)."""
    runtime = make_runtime(bf, data_dir, nlu, extra=extra, **env)
    runtime.worker.poll_interval = 0.1
    server = TestServer(build_app(runtime, run_worker=run_worker), host="127.0.0.1")
    async with TestClient(server) as client:
        channel = TeamsChannel(client, bf, key)
        channel.runtime = runtime
        yield channel


@pytest.fixture
async def teams(bf: FakeBotFramework, signing_key: SigningKey, data_dir: Path,
                nlu: ScriptedNLU) -> AsyncIterator[TeamsChannel]:
    async with serve(bf, signing_key, data_dir, nlu) as channel:
        yield channel


def card_of(call_body: dict[str, Any]) -> dict[str, Any] | None:
    """The Adaptive Card in a posted activity, if any."""
    for attachment in call_body.get("attachments") or []:
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
            return attachment["content"]
    return None


def button(card: dict[str, Any], title: str) -> dict[str, Any]:
    return next(a for a in card.get("actions", []) if a["title"] == title)
