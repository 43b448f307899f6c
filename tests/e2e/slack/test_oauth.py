"""Multi-workspace mode: the install flow stores the installation in our database and it is used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.adapters.slack.installations import SqlInstallationStore, SqlOAuthStateStore
from bot.storage import Database
from tests.e2e.slack.conftest import start_bot
from tests.fakes.slack_api import FakeSlack

OAUTH = {"FLOWDESK_SLACK_BOT_TOKEN": "", "FLOWDESK_SLACK_CLIENT_ID": "111.222",
         "FLOWDESK_SLACK_CLIENT_SECRET": "oauth-secret"}


async def test_install_flow_then_commands_use_the_installed_token(tmp_path: Path, fake_slack: FakeSlack) -> None:
    bot, stop = await start_bot(tmp_path, fake_slack, extra=OAUTH)
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{bot.url}/slack/install", allow_redirects=False) as page:
                assert page.status in (200, 302)
                state = page.cookies["slack-app-oauth-state"].value
                assert "slack.com/oauth/v2/authorize" in (await page.text() + page.headers.get("Location", ""))
            async with session.get(f"{bot.url}/slack/oauth_redirect", params={"code": "c0de", "state": state},
                                   headers={"Cookie": f"slack-app-oauth-state={state}"}) as done:
                assert done.status == 200, await done.text()
            async with session.get(f"{bot.url}/slack/oauth_redirect", params={"code": "c0de", "state": state},
                                   headers={"Cookie": f"slack-app-oauth-state={state}"}) as replay:
                assert replay.status >= 400
        assert fake_slack.of("oauth.v2.access")[0].args["code"] == "c0de"
        bot.nlu.teach("hello", "help")
        assert (await bot.player.command("hello", team="T222", channel="C222")).status == 200
        posted = await fake_slack.wait_for(lambda: fake_slack.of("chat.postMessage"))
        assert posted[0].token == "xoxb-installed"
        assert (await bot.player.command("hello", team="T999")).status in (200, 401, 403)
    finally:
        await stop()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: Any, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def database(database_url: str) -> Any:
    db = Database(url=database_url)
    await db.upgrade()
    yield db
    await db.close()


async def test_installation_store_round_trip(database: Database) -> None:
    store = SqlInstallationStore(database=database)
    await store.async_save(Installation(app_id="A1", team_id="T1", bot_token="xoxb-1", bot_user_id="UB",
                                        bot_scopes="chat:write,commands", user_id="U1"))
    await store.async_save(Installation(app_id="A1", team_id="T1", bot_token="xoxb-2", user_id="U2"))
    bot = await store.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxb-2"
    first = await store.async_find_installation(enterprise_id=None, team_id="T1", user_id="U1")
    assert first is not None and first.bot_scopes == ["chat:write", "commands"]
    assert await store.async_find_bot(enterprise_id=None, team_id="T2") is None
    await store.async_delete_all(enterprise_id=None, team_id="T1")
    assert await store.async_find_bot(enterprise_id=None, team_id="T1") is None


async def test_oauth_state_is_single_use(database: Database) -> None:
    states = SqlOAuthStateStore(database=database)
    state = await states.async_issue()
    assert await states.async_consume(state) is True
    assert await states.async_consume(state) is False
    assert await states.async_consume("never-issued") is False
