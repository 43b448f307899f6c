"""An email preview's Send delivers one mail; people named by email resolve through Slack; 429s wait."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.e2e.slack.conftest import Bot
from tests.e2e.slack.players import block_texts, posted_card

EMAIL = "email sam@example.com the Q3 report"


async def _preview(bot: Bot) -> dict[str, Any]:
    bot.nlu.teach(EMAIL, "email.send", to=["sam@example.com"], subject="Q3 report", body="Numbers attached.")
    assert (await bot.player.command(EMAIL, user="W111")).status == 200
    card = await bot.slack.wait_for(lambda: posted_card(bot.slack, "flowdesk.confirm"))
    labels = [e["text"]["text"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Send", "Cancel", "👍", "👎"]  # the preview also rates the reading
    assert "sam@example.com" in block_texts(card["blocks"])
    return card


async def test_send_delivers_exactly_one_mail(bot: Bot, mailbox: Any) -> None:
    box, _ = mailbox
    card = await _preview(bot)
    await asyncio.sleep(0.5)
    assert box.messages == []
    clicks = [bot.player.click(card, action_id="flowdesk.confirm", user="W111", action_ts=f"1700000200.00000{i}")
              for i in range(3)]
    assert [r.status for r in await asyncio.gather(*clicks)] == [200, 200, 200]
    update = await bot.slack.wait_for(lambda: bot.slack.of("chat.update"))
    assert "Sent by" in block_texts(update[0].args["blocks"])
    await bot.slack.wait_for(lambda: box.messages, timeout=15)
    await asyncio.sleep(1.5)
    assert len(box.messages) == 1
    assert box.messages[0].rcpt_tos == ["sam@example.com"]
    assert b"Numbers attached." in box.messages[0].content
    assert len(bot.slack.of("chat.update")) == 1


async def test_someone_else_cannot_send_my_email(bot: Bot, mailbox: Any) -> None:
    box, _ = mailbox
    card = await _preview(bot)
    await bot.player.click(card, action_id="flowdesk.confirm", user="UEVE00001")
    hook = await bot.slack.wait_for(lambda: bot.slack.hooks)
    assert hook[0][1]["response_type"] == "ephemeral"
    await asyncio.sleep(1.0)
    assert box.messages == [] and bot.slack.of("chat.update") == []


async def test_approver_named_by_email_is_found_with_lookup_by_email(bot: Bot) -> None:
    text = "ask dana.kim@example.com to approve the offsite"
    bot.nlu.teach(text, "approval.request", approver="dana.kim@example.com", subject="the offsite")
    await bot.player.command(text, user="W111")
    card = await bot.slack.wait_for(lambda: posted_card(bot.slack, "approval.approve"))
    assert [c.args["email"] for c in bot.slack.of("users.lookupByEmail")] == ["dana.kim@example.com"]
    assert "Dana Kim" in block_texts(card["blocks"])
    await bot.player.click(card, action_id="approval.approve", user="UDANA0001")
    update = await bot.slack.wait_for(lambda: bot.slack.of("chat.update"))
    assert "Approved" in block_texts(update[0].args["blocks"])


async def test_rate_limited_calls_wait_for_retry_after_and_nothing_is_dropped(bot: Bot) -> None:
    bot.nlu.teach("ask <@UDANA0001> to approve a desk", "approval.request", approver="UDANA0001", subject="a desk")
    bot.slack.rate_limit("chat.postMessage", times=2, retry_after=1)
    await bot.player.command("ask <@UDANA0001> to approve a desk", user="W111")
    card = await bot.slack.wait_for(lambda: posted_card(bot.slack, "approval.approve"), timeout=20)
    assert len(bot.slack.of("chat.postMessage:429")) == 2
    assert card["thread_ts"]
    replies = [c for c in bot.slack.of("chat.postMessage") if c.args.get("thread_ts") == card["thread_ts"]]
    assert any("APR-" in c.args["text"] for c in replies)


async def test_answer_rate_limited_past_all_retries_is_queued_and_delivered_once(bot: Bot) -> None:
    from bot.adapters.slack.client import RATE_LIMIT_RETRIES

    bot.slack.rate_limit("chat.postMessage", times=RATE_LIMIT_RETRIES + 1, retry_after=0)
    body = bot.player.mention_body("<@UFLOWBOT> are you there", event_id="Ev0LIMITED")
    assert (await bot.player.post(body, content_type="application/json")).status == 200
    answer = await bot.slack.wait_for(lambda: bot.slack.of("chat.postMessage"), timeout=40)
    assert len(bot.slack.of("chat.postMessage:429")) == RATE_LIMIT_RETRIES + 1
    await asyncio.sleep(1.0)
    assert len(bot.slack.of("chat.postMessage")) == 1
    assert answer[0].args["thread_ts"] == "1595926230.009600"
