"""Mentions and direct messages: answered once, in the thread they came from."""

from __future__ import annotations

import asyncio
import json

from tests.e2e.slack.conftest import Bot
from tests.e2e.slack.players import fixture


async def test_mention_retried_by_slack_is_answered_once_in_its_thread(bot: Bot) -> None:
    body = bot.player.mention_body("<@UFLOWBOT> what's the weather in Oslo", ts="1595926230.009600",
                                   event_id="Ev0RETRY1")
    first = await bot.player.post(body, content_type="application/json")
    retries = [bot.player.post(body, content_type="application/json",
                               headers={"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"})
               for n in (1, 2, 3)]
    assert [first.status, *[r.status for r in await asyncio.gather(*retries)]] == [200] * 4
    answers = await bot.slack.wait_for(lambda: bot.slack.of("chat.postMessage"))
    await asyncio.sleep(1.0)
    answers = bot.slack.of("chat.postMessage")
    assert len(answers) == 1
    assert answers[0].args["thread_ts"] == "1595926230.009600" and answers[0].args["channel"] == "C111"
    assert [m.text for m in bot.nlu.seen] == ["what's the weather in Oslo"]


async def test_mention_inside_a_thread_is_answered_in_that_thread(bot: Bot) -> None:
    body = bot.player.mention_body("<@UFLOWBOT> help me", ts="1595926300.000200", event_id="Ev0THREAD",
                                   thread_ts="1595926000.000100")
    assert (await bot.player.post(body, content_type="application/json")).status == 200
    answer = await bot.slack.wait_for(lambda: bot.slack.of("chat.postMessage"))
    assert answer[0].args["thread_ts"] == "1595926000.000100"


async def test_mention_markup_reaches_the_pipeline_as_actions_md_says(bot: Bot) -> None:
    text = "<@UFLOWBOT> ask <@UDANA0001|dana> to approve &lt;urgent&gt; travel, cc <mailto:x@example.com|x@example.com>"
    body = bot.player.mention_body(text, event_id="Ev0MARKUP")
    await bot.player.post(body, content_type="application/json")
    await bot.slack.wait_for(lambda: bot.slack.of("chat.postMessage"))
    seen = bot.nlu.seen[0]
    assert seen.text == "ask <@UDANA0001> to approve <urgent> travel, cc x@example.com"
    assert [(m.id, m.name) for m in seen.mentions] == [("UDANA0001", "Dana Kim")]
    assert seen.user == "W222" and seen.thread == "1595926230.009600"


async def test_direct_message_is_answered_and_bot_messages_are_ignored(bot: Bot) -> None:
    body = fixture("slack_app_mention_event_callback.json")
    body["event"] = {"type": "message", "channel_type": "im", "channel": "D0DM", "user": "W111",
                     "text": "hello there", "ts": "1700000500.000100", "event_ts": "1700000500.000100"}
    body["event_id"] = "Ev0DM1"
    assert (await bot.player.post(json.dumps(body).encode(), content_type="application/json")).status == 200
    own = {**body, "event_id": "Ev0DM2",
           "event": {**body["event"], "bot_id": "BFLOW", "user": "UFLOWBOT", "ts": "1700000501.000100"}}
    assert (await bot.player.post(json.dumps(own).encode(), content_type="application/json")).status == 200
    await bot.slack.wait_for(lambda: bot.slack.of("chat.postMessage"))
    await asyncio.sleep(0.5)
    answers = bot.slack.of("chat.postMessage")
    assert len(answers) == 1 and answers[0].args["channel"] == "D0DM"
    assert answers[0].args["thread_ts"] == "1700000500.000100"


async def test_url_verification_and_rate_limited_notice(bot: Bot) -> None:
    challenge = fixture("slack_url_verification_example.json")
    async with bot.player.session.post(bot.player.url, data=json.dumps(challenge).encode(), headers={
            "Content-Type": "application/json", **_signed(json.dumps(challenge).encode())}) as response:
        assert response.status == 200
        assert (await response.json())["challenge"] == challenge["challenge"]
    limited = json.dumps(fixture("slack_app_rate_limited_docs.json")).encode()
    assert (await bot.player.post(limited, content_type="application/json")).status == 200


def _signed(body: bytes) -> dict[str, str]:
    from tests.e2e.slack.players import sign

    return sign(body)


async def test_command_where_the_bot_may_not_post_is_answered_through_response_url(bot: Bot) -> None:
    bot.slack.not_postable.add("CPRIVATE")
    bot.nlu.teach("what can you do", "help")
    assert (await bot.player.command("what can you do", channel="CPRIVATE")).status == 200
    hooks = await bot.slack.wait_for(lambda: bot.slack.hooks)
    assert "Here is what I can do" in hooks[0][1]["text"]
    assert {c.args["channel"] for c in bot.slack.of("chat.postMessage")} == {"CPRIVATE"}  # tried, refused
