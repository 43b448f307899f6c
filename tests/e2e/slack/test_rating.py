"""Thumbs on what the bot read: a click in Slack records the rating; approved readings are exported."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from bot.cli import app
from bot.lifecycle.feedback import RATE_DOWN, RATE_UP
from bot.lifecycle.tables import nlu_feedback
from tests.e2e.slack.conftest import Bot, start_bot
from tests.e2e.slack.players import posted_card, ts_of
from tests.fakes.slack_api import FakeSlack

ASK = "ask <@UDANA0001> to approve a standing desk"
FORM = "ask <@UDANA0001> to approve a monitor"


async def _rated_reply(bot: Bot, text: str, subject: str) -> dict:
    """Run the slash command; returns the bot's acknowledgement, which carries the thumbs."""
    bot.nlu.teach(text, "approval.request", approver="UDANA0001", subject=subject)
    before = len(bot.slack.of("chat.postMessage"))
    assert (await bot.player.command(text, user="W111")).status == 200

    def acknowledgement() -> dict | None:
        for call in bot.slack.of("chat.postMessage")[before:]:
            if RATE_UP in str(call.args.get("blocks")):
                return {**call.args, "ts": ts_of(bot.slack, call)}
        return None

    return await bot.slack.wait_for(acknowledgement)


async def _export(bot: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLOWDESK_DATA_DIR", str(bot.runtime.settings.data_dir))
    out = tmp_path / "feedback.jsonl"
    result = await asyncio.to_thread(CliRunner().invoke, app, ["feedback", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in out.read_text().splitlines()]


async def test_thumbs_up_is_recorded_and_exported_thumbs_down_is_kept_apart(
        bot: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reply = await _rated_reply(bot, ASK, "a standing desk")
    labels = [(e["text"]["text"], e["action_id"]) for b in reply["blocks"] if b["type"] == "actions"
              for e in b["elements"]]
    assert labels == [("👍", RATE_UP), ("👎", RATE_DOWN)]
    assert "APR-" in reply["text"]

    assert (await bot.player.click(reply, action_id=RATE_UP, user="W111", action_ts="1700000300.000001")).status == 200
    hooks = await bot.slack.wait_for(lambda: bot.slack.hooks)
    assert hooks[0][1]["response_type"] == "ephemeral" and "Thanks" in hooks[0][1]["text"]
    # Slack retries a click it thinks was lost: recorded once.
    await bot.player.click(reply, action_id=RATE_UP, user="W111", action_ts="1700000300.000001")

    other = await _rated_reply(bot, FORM, "a monitor")
    await bot.player.click(other, action_id=RATE_DOWN, user="W111", action_ts="1700000300.000002")
    await bot.slack.wait_for(lambda: len(bot.slack.hooks) >= 2)
    await asyncio.sleep(0.3)

    async with bot.runtime.database.sessions() as session:
        rows = (await session.execute(sa.select(nlu_feedback.c.kind, nlu_feedback.c.text, nlu_feedback.c.intent,
                                                nlu_feedback.c.user).order_by(nlu_feedback.c.id))).all()
    assert [tuple(r) for r in rows] == [("up", ASK, "approval.request", "W111"),
                                        ("down", FORM, "approval.request", "W111")]
    assert await _export(bot, tmp_path, monkeypatch) == [
        {"text": ASK, "intent": "approval.request", "args": {"approver": "UDANA0001", "subject": "a standing desk"}}]


async def test_rating_buttons_can_be_switched_off(tmp_path: Path, fake_slack: FakeSlack) -> None:
    running, stop = await start_bot(tmp_path, fake_slack, extra={"FLOWDESK_RATING_BUTTONS": "false"})
    try:
        running.nlu.teach(ASK, "approval.request", approver="UDANA0001", subject="a standing desk")
        await running.player.command(ASK, user="W111")
        await fake_slack.wait_for(lambda: posted_card(fake_slack, "approval.approve"))
        acknowledged = await fake_slack.wait_for(
            lambda: [c for c in fake_slack.of("chat.postMessage") if "I asked" in c.args.get("text", "")])
        assert not acknowledged[0].args.get("blocks")
        assert posted_card(fake_slack, RATE_UP) is None
    finally:
        await stop()
