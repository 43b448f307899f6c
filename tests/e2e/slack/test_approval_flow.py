"""Slash command -> approval card -> approver clicks -> requester told in the thread."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.e2e.slack.conftest import Bot
from tests.e2e.slack.players import block_texts, posted_card, ts_of

ASK = "ask <@UDANA0001> to approve the new laptop"


async def request_approval(bot: Bot) -> tuple[str, dict[str, Any]]:
    """Run the slash command; returns the thread ts and the approver's card."""
    bot.nlu.teach(ASK, "approval.request", approver="UDANA0001", subject="the new laptop")
    response = await bot.player.command(ASK, user="W111", user_name="pat")
    assert response.status == 200
    card = await bot.slack.wait_for(lambda: posted_card(bot.slack, "approval.approve"))
    root = bot.slack.of("chat.postMessage")[0]
    assert "asked: /flowdesk" in root.args["text"]
    thread = ts_of(bot.slack, root)
    return thread, card


async def test_slash_command_to_decision_told_in_thread(bot: Bot) -> None:
    thread, card = await request_approval(bot)
    assert card["thread_ts"] == thread and card["channel"] == "C111"
    labels = [e["text"]["text"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Approve", "Reject"]
    assert "Dana Kim" in block_texts(card["blocks"])
    acknowledged = await bot.slack.wait_for(
        lambda: [c for c in bot.slack.of("chat.postMessage") if c.args.get("thread_ts") == thread
                 and "APR-" in c.args["text"] and "approval.approve" not in str(c.args)])
    assert "Dana Kim" in acknowledged[0].args["text"]
    rating = [e["text"]["text"] for b in acknowledged[0].args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert rating == ["👍", "👎"]  # the requester may rate how the request was read

    response = await bot.player.click(card, action_id="approval.approve", user="UDANA0001", user_name="dana")
    assert response.status == 200
    update = await bot.slack.wait_for(lambda: bot.slack.of("chat.update"))
    assert update[0].args["ts"] == card["ts"] and update[0].args["channel"] == "C111"
    shown = block_texts(update[0].args["blocks"])
    assert "Approved" in shown and "When" in shown and "UTC" in shown
    assert not any(b["type"] == "actions" for b in update[0].args["blocks"])
    told = await bot.slack.wait_for(lambda: [c for c in bot.slack.of("chat.postMessage")
                                             if c.args.get("thread_ts") == thread and "was approved by" in c.args["text"]])
    assert len(told) == 1 and "Dana Kim" in told[0].args["text"]


async def test_non_approver_click_changes_nothing(bot: Bot) -> None:
    thread, card = await request_approval(bot)
    posts_before = len(bot.slack.of("chat.postMessage"))
    response = await bot.player.click(card, action_id="approval.approve", user="UEVE00001", user_name="eve")
    assert response.status == 200
    hook = await bot.slack.wait_for(lambda: bot.slack.hooks)
    assert hook[0][1]["response_type"] == "ephemeral"
    assert "approver" in hook[0][1]["text"].lower() or "only" in hook[0][1]["text"].lower()
    await asyncio.sleep(0.5)
    assert bot.slack.of("chat.update") == []
    assert not [c for c in bot.slack.of("chat.postMessage")[posts_before:] if "approved" in c.args["text"]]
    # The real approver can still decide afterwards.
    await bot.player.click(card, action_id="approval.reject", user="UDANA0001")
    await bot.slack.wait_for(lambda: bot.slack.of("chat.update"))


async def test_concurrent_clicks_give_one_decision(bot: Bot) -> None:
    thread, card = await request_approval(bot)
    clicks = [bot.player.click(card, action_id=action, user="UDANA0001", action_ts=f"1700000100.00000{i}")
              for i, action in enumerate(["approval.approve", "approval.reject"] * 3)]
    statuses = [r.status for r in await asyncio.gather(*clicks)]
    assert statuses == [200] * 6
    await bot.slack.wait_for(lambda: [c for c in bot.slack.of("chat.postMessage") if "was approved by" in c.args["text"]
                                      or "was rejected by" in c.args["text"]])
    await asyncio.sleep(1.0)
    results = [c for c in bot.slack.of("chat.postMessage") if c.args.get("thread_ts") == thread
               and ("was approved by" in c.args["text"] or "was rejected by" in c.args["text"])]
    assert len(results) == 1
    assert len(bot.slack.of("chat.update")) == 1
