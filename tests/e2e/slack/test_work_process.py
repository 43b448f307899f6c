"""With the work in a child process (as ``flowdesk serve`` runs it), the whole flow still holds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack import SlackAdapter
from tests.e2e.slack.conftest import Bot, start_bot
from tests.e2e.slack.players import block_texts, posted_card
from tests.e2e.slack.workruntime import ASK
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
async def split_bot(tmp_path: Path, fake_slack: FakeSlack, monkeypatch: Any) -> AsyncIterator[Bot]:
    monkeypatch.setattr(SlackAdapter, "WORK_RUNTIME", "tests.e2e.slack.workruntime:scripted")
    running, stop = await start_bot(tmp_path, fake_slack)
    adapter = running.runtime.adapters["slack"]
    assert adapter.workproc is not None and adapter.workproc.proc is not None
    yield running
    await stop()
    assert adapter.workproc.proc.returncode == 0


async def test_approval_flow_and_retried_event_through_the_work_process(split_bot: Bot) -> None:
    bot, slack = split_bot, split_bot.slack
    assert (await bot.player.command(ASK, user="W111")).status == 200
    card = await slack.wait_for(lambda: posted_card(slack, "approval.approve"), timeout=30)
    await bot.player.click(card, action_id="approval.approve", user="UEVE00001")
    await bot.player.click(card, action_id="approval.approve", user="UDANA0001")
    update = await slack.wait_for(lambda: slack.of("chat.update"), timeout=15)
    assert "Approved" in block_texts(update[0].args["blocks"])
    told = await slack.wait_for(lambda: [c for c in slack.of("chat.postMessage") if "was approved by" in c.args["text"]])
    assert len(told) == 1 and told[0].args["thread_ts"] == card["thread_ts"]
    assert slack.hooks and slack.hooks[0][1]["response_type"] == "ephemeral"

    body = bot.player.mention_body("<@UFLOWBOT> anything", ts="1595926999.000100", event_id="Ev0SPLIT")
    sends = [bot.player.post(body, content_type="application/json", headers={"X-Slack-Retry-Num": str(n)})
             for n in range(3)]
    assert [r.status for r in await asyncio.gather(*sends)] == [200, 200, 200]
    await slack.wait_for(lambda: [c for c in slack.of("chat.postMessage") if c.args.get("thread_ts") == "1595926999.000100"])
    await asyncio.sleep(1.0)
    assert len([c for c in slack.of("chat.postMessage") if c.args.get("thread_ts") == "1595926999.000100"]) == 1
