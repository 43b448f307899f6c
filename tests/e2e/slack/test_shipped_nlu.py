"""Slack with the NLU that ships with the package: a sentence becomes an approval, end to end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.slack.conftest import Bot, start_bot
from tests.e2e.slack.players import block_texts, posted_card, ts_of
from tests.fakes.slack_api import FakeSlack

ASK = "ask <@U024BE7LH> to approve $1,200 for the new laptop"


@pytest.fixture(scope="module")
def shipped_nlu() -> Any:
    from intents.pipeline import NLU

    return NLU.load(None)


@pytest.fixture
async def real_bot(tmp_path: Path, fake_slack: FakeSlack, mailbox: Any, shipped_nlu: Any) -> AsyncIterator[Bot]:
    running, stop = await start_bot(tmp_path, fake_slack, smtp_port=mailbox[1], nlu=shipped_nlu)
    yield running
    await stop()


async def test_a_sentence_becomes_an_approval_the_approver_decides(real_bot: Bot) -> None:
    response = await real_bot.player.command(ASK, user="W111", user_name="pat")
    assert response.status == 200
    card = await real_bot.slack.wait_for(lambda: posted_card(real_bot.slack, "approval.approve"), timeout=60)
    shown = block_texts(card["blocks"])
    assert "the new laptop" in shown and "1,200" in shown
    thread = ts_of(real_bot.slack, real_bot.slack.of("chat.postMessage")[0])
    intruder = await real_bot.player.click(card, action_id="approval.approve", user="W111", user_name="pat")
    assert intruder.status == 200
    approved = await real_bot.player.click(card, action_id="approval.approve", user="U024BE7LH", user_name="dana")
    assert approved.status == 200
    told = await real_bot.slack.wait_for(
        lambda: [c for c in real_bot.slack.of("chat.postMessage")
                 if c.args.get("thread_ts") == thread and "was approved by" in c.args["text"]], timeout=60)
    assert len(told) == 1 and "approved by U024BE7LH" in told[0].args["text"]
    updated = await real_bot.slack.wait_for(lambda: real_bot.slack.of("chat.update"), timeout=30)
    assert len(updated) == 1 and "Approved" in block_texts(updated[0].args["blocks"])
    refusal = await real_bot.slack.wait_for(lambda: real_bot.slack.hooks, timeout=30)
    assert [body["response_type"] for _, body in refusal] == ["ephemeral"]
