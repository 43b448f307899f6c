"""The Teams adapter's pure parts: activity conversion, Adaptive Cards, authentication settings, package."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.teams import cards, convert, package
from bot.adapters.teams.auth import CredentialFactory, configuration
from bot.config import load_settings
from bot.errors import ConfigError
from bot.models import Button, Card, Reply
from tests.e2e.teams.conftest import fixture

APP_ID = "7d4b0b59-0b6e-4cdb-8b9b-2f0b9f6c1a11"


def activity(name: str) -> Any:
    return convert.activity_from(fixture(name))


def test_channel_capture_drops_the_bot_mention() -> None:
    act = activity("teams_message_mention_channel.json")
    people, bot_mentioned = convert.mentions_of(act)
    message = convert.to_message(act, people, {})
    assert bot_mentioned
    assert message.text == "reply to thread"
    assert message.mentions == ()
    assert message.user == "b15a9416-0ad3-4172-9210-7beb711d3f70"
    assert message.workspace == "50612dbb-0237-4969-b378-8d42590f9c00"
    assert message.channel == "19:6848757105754c8981c67612732d9aa7@thread.tacv2"
    assert message.thread == "1759881511856"
    assert message.ref["reference"]["conversation"]["id"].endswith(";messageid=1759881511856")


def test_people_mentions_stay_in_the_text() -> None:
    """The docs sample: entity text ``<at>@Pranav Smith</at>``, message text ``<at>Pranav Smith</at>``."""
    act = activity("teams_message_mention_docs_example.json")
    people, bot_mentioned = convert.mentions_of(act)
    message = convert.to_message(act, people, {"29:08q2j2o3jc09au90eucae": "aad-pranav"})
    assert not bot_mentioned
    assert message.text == "Hey <at>Pranav Smith</at> check out this message"
    assert [(m.id, m.name) for m in message.mentions] == [("aad-pranav", "Pranav Smith")]
    assert message.user == "29:9e52142b-5e5e-4d7b-bb3e-e82dcf620000"


def test_personal_chat_is_one_thread() -> None:
    act = activity("teams_message_personal_full_inbound_docs.json")
    message = convert.to_message(act, [], {})
    assert message.thread == message.channel == act.conversation.id
    assert message.user == "7faf8ab2-3d56-4244-b585-20c8a42ed2b8"
    assert convert.delivery_key(act) == f"teams:{act.conversation.id}:1485983408511"


def test_click_from_an_invoke_takes_the_user_from_the_activity() -> None:
    act = activity("teams_invoke_adaptive_card_action.json")
    assert cards.click_of(cards.execute_data(act.value)) is None
    act.value = {"action": {"type": "Action.Execute", "data": {"flowdesk": {"action_id": "approval.approve",
                                                                            "value": '{"request_id": "APR-1001"}'}}}}
    click = cards.click_of(cards.execute_data(act.value))
    interaction = convert.to_interaction(act, click)
    assert interaction.user == "c5e99701-2a32-49c1-a660-4629ceeb8c61"
    assert interaction.action_id == "approval.approve" and interaction.message_id == "1767765488332"
    assert interaction.delivery_id.endswith(":f:17b96347-e8b4-f340-10bc-eb52fc1a6ad4")


@pytest.mark.parametrize("data", [None, "x", {}, {"flowdesk": "x"}, {"flowdesk": {"action_id": 3}},
                                  {"flowdesk": {"action_id": "a.b", "value": {"not": "a string"}}}])
def test_foreign_card_data_is_no_click(data: object) -> None:
    assert cards.click_of(data) is None


def test_adaptive_card_has_execute_buttons_with_submit_fallback() -> None:
    card = Card(title="Approval requested: laptop", fields=(("Amount", "1,200.00 USD"),), text="Please decide",
                footer="APR-1001", buttons=(Button(label="Approve", action_id="approval.approve", value="{}",
                                                   style="primary"),
                                            Button(label="Reject", action_id="approval.reject", value="{}",
                                                   style="danger")))
    rendered = cards.adaptive_card(card)
    assert rendered["version"] == "1.4"
    assert [b["text"] for b in rendered["body"] if b["type"] == "TextBlock"] == [card.title, "Please decide", "APR-1001"]
    assert rendered["body"][2]["facts"] == [{"title": "Amount", "value": "1,200.00 USD"}]
    approve, reject = rendered["actions"]
    assert (approve["type"], approve["title"], approve["verb"], approve["style"]) == \
        ("Action.Execute", "Approve", "approval.approve", "positive")
    assert reject["style"] == "destructive"
    assert approve["fallback"] == {"type": "Action.Submit", "title": "Approve", "data": approve["data"]}
    assert cards.click_of(approve["data"]) == cards.Click(action_id="approval.approve", value="{}")
    activity_ = cards.to_activity(Reply(text="Decide, please", card=card))
    assert activity_.text == "Decide, please" and activity_.attachments[0].content_type == cards.CARD_TYPE


def _settings(**env: str) -> object:
    return load_settings({"FLOWDESK_TEAMS_APP_ID": APP_ID, "FLOWDESK_TEAMS_APP_PASSWORD": "pw", **env})


def test_multi_tenant_public_cloud_uses_botbuilder_defaults() -> None:
    config = vars(configuration(_settings()))
    assert config == {"APP_ID": APP_ID, "APP_PASSWORD": "pw", "APP_TYPE": "MultiTenant", "APP_TENANTID": None}


def test_metadata_override_names_issuer_scope_and_login() -> None:
    config = configuration(_settings(FLOWDESK_TEAMS_OPENID_METADATA_URL="https://keys.example/openid",
                                     FLOWDESK_TEAMS_TENANT_ID="tenant-1"))
    assert config.APP_TYPE == "SingleTenant" and config.APP_TENANTID == "tenant-1"
    assert config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL == "https://keys.example/openid"
    assert config.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER == "https://api.botframework.com"
    assert config.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE == "https://api.botframework.com"
    assert config.TO_CHANNEL_FROM_BOT_LOGIN_URL == "https://login.microsoftonline.com/tenant-1"


def test_custom_login_gets_a_tenant_segment() -> None:
    config = configuration(_settings(FLOWDESK_TEAMS_LOGIN_URL="https://login.example.us/"))
    assert config.TO_CHANNEL_FROM_BOT_LOGIN_URL == "https://login.example.us/botframework.com"
    assert config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL.startswith("https://login.botframework.com/")


async def test_credentials_per_authority() -> None:
    factory = CredentialFactory(app_id=APP_ID, password="pw", tenant_id="tenant-1")
    assert await factory.is_valid_app_id(APP_ID) and not await factory.is_valid_app_id("other")
    public = await factory.create_credentials(APP_ID, "https://api.botframework.com",
                                              "https://login.microsoftonline.com/tenant-1", True)
    assert type(public).__name__ == "MicrosoftAppCredentials" and public.oauth_endpoint.endswith("/tenant-1")
    custom = await factory.create_credentials(APP_ID, "https://api.botframework.com", "https://login.example/t", True)
    assert custom.oauth_endpoint == "https://login.example/t" and type(custom).__name__ == "_OfflineAuthorityCredentials"
    assert await factory.create_credentials(APP_ID, "https://api.botframework.com", "https://login.example/t",
                                            True) is custom
    with pytest.raises(PermissionError):
        await factory.create_credentials("other", "s", "https://login.example/t", True)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_package_zip_has_manifest_and_icons(tmp_path: Path) -> None:
    out = package.build(APP_ID, tmp_path / "app.zip")
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        assert _png_size(archive.read("color.png")) == (192, 192)
        assert _png_size(archive.read("outline.png")) == (32, 32)
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert set(manifest["bots"][0]["scopes"]) == {"personal", "team", "groupChat"}
    commands = manifest["bots"][0]["commandLists"][0]["commands"]
    assert commands and all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in commands)
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80


def test_package_refuses_an_app_id_that_is_not_a_guid(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        package.build("my-bot", tmp_path / "app.zip")


def test_drawn_icons_match_the_committed_ones() -> None:
    assert (package.DEPLOY / "color.png").read_bytes() == package.color_icon()
    assert (package.DEPLOY / "outline.png").read_bytes() == package.outline_icon()


def test_us_government_metadata_brings_its_issuer_scope_and_login() -> None:
    config = configuration(_settings(
        FLOWDESK_TEAMS_OPENID_METADATA_URL="https://login.botframework.azure.us/v1/.well-known/openidconfiguration"))
    assert config.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER == "https://api.botframework.us"
    assert config.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE == "https://api.botframework.us"
    assert config.TO_CHANNEL_FROM_BOT_LOGIN_URL == "https://login.microsoftonline.us/MicrosoftServices.onmicrosoft.us"


def test_files_in_a_reply_are_named_not_lost() -> None:
    from bot.models import Attachment

    reply = Reply(text="Here are the rejected rows.", attachments=(Attachment(name="rejected.csv", content=b"a,b"),))
    activity_ = cards.to_activity(reply)
    assert activity_.text.startswith("Here are the rejected rows.") and "rejected.csv" in activity_.text
    assert not activity_.attachments
