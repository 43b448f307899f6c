"""The app manifest an admin pastes matches what the adapter serves and needs."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.adapters.slack.adapter import BOT_SCOPES, COMMAND

MANIFEST = Path(__file__).resolve().parents[3] / "deploy" / "slack" / "manifest.yaml"


def test_manifest_matches_the_adapter() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == [COMMAND]
    assert commands[0]["url"].endswith("/slack/events") and commands[0]["should_escape"] is True
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_mention", "message.im", "file_shared", "app_uninstalled", "tokens_revoked"}
    assert manifest["oauth_config"]["redirect_urls"][0].endswith("/slack/oauth_redirect")
