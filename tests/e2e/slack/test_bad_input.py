"""Forged, replayed, unsigned and malformed requests: 4xx, never 5xx, and nothing happens."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlencode

import pytest

from tests.e2e.slack.conftest import Bot
from tests.e2e.slack.players import fixture, sign

FORM = "application/x-www-form-urlencoded"


async def _nothing_happened(bot: Bot) -> None:
    await asyncio.sleep(0.3)
    assert [c.method for c in bot.slack.calls if c.method != "auth.test"] == []
    assert bot.slack.hooks == []
    assert bot.nlu.seen == []


async def test_forged_replayed_and_unsigned_requests_get_401(bot: Bot) -> None:
    bot.nlu.teach("hi", "help")
    body = bot.player.command_body("hi")
    forged = {**sign(body), "X-Slack-Signature": "v0=" + "0" * 64}
    cases = [
        await bot.player.post(body, content_type=FORM, signed=False),
        await bot.player.post(body, content_type=FORM, signed=False, headers=forged),
        await bot.player.post(body, content_type=FORM, timestamp=int(time.time()) - 301),
        await bot.player.post(body, content_type=FORM, timestamp=int(time.time()) + 400),
        await bot.player.post(body, content_type=FORM, signed=False,
                              headers={**sign(b"other body"), "Content-Type": FORM}),
        await bot.player.post(body, content_type=FORM, signed=False,
                              headers={"X-Slack-Request-Timestamp": "yesterday", "X-Slack-Signature": "v0=abc"}),
    ]
    assert [r.status for r in cases] == [401] * len(cases)
    wrong_secret = await bot.player.session.post(bot.player.url, data=body, headers={
        "Content-Type": FORM, **sign(body, secret="not-the-secret")})
    assert wrong_secret.status == 401
    await _nothing_happened(bot)


@pytest.mark.parametrize(("body", "content_type", "status"), [
    (b"%%%&&==&payload", FORM, 400),
    (b"\xff\xfe\x00garbage", FORM, 400),
    (b"payload=%7Bnot+json", FORM, 400),
    (b"payload=%5B1%2C2%5D", FORM, 400),
    (b"payload=%22just+a+string%22", FORM, 400),
    (urlencode({"payload": json.dumps({"type": "block_actions", "user": "W111", "actions": "x"})}).encode(), FORM, 400),
    (urlencode({"payload": json.dumps({"type": "block_actions", "user": {"id": "W111"}, "actions": []})}).encode(),
     FORM, 400),
    (b"{not json", "application/json", 400),
    (b'{"type": "event_callback", "event": "nope", "event_id": "Ev1"}', "application/json", 400),
    (b'["an", "array"]', "application/json", 400),
    (b"", FORM, 400),
    (b"command=%2Fflowdesk&text=hi", FORM, 400),
])
async def test_malformed_signed_bodies_get_400(bot: Bot, body: bytes, content_type: str, status: int) -> None:
    response = await bot.player.post(body, content_type=content_type)
    assert response.status == status
    await _nothing_happened(bot)


async def test_two_megabyte_body_is_refused(bot: Bot) -> None:
    body = b"text=" + b"a" * (2 * 1024 * 1024)
    response = await bot.player.post(body, content_type=FORM)
    assert response.status == 413
    await _nothing_happened(bot)


async def test_unknown_action_id_gets_400_and_changes_nothing(bot: Bot) -> None:
    card = {"channel": "C111", "ts": "1700000000.000009", "text": "x", "blocks": [
        {"type": "actions", "elements": [{"type": "button", "action_id": "payroll.wire_money", "value": "{}",
                                          "text": {"type": "plain_text", "text": "Wire"}}]}]}
    response = await bot.player.click(card, action_id="payroll.wire_money", user="W111")
    assert response.status == 400
    original = urlencode({"payload": json.dumps(fixture("slack_block_actions.json"))}).encode()
    assert (await bot.player.post(original, content_type=FORM)).status == 400
    await _nothing_happened(bot)


async def test_bad_button_value_is_a_private_notice_not_a_change(bot: Bot) -> None:
    card = {"channel": "C111", "ts": "1700000000.000009", "text": "x", "blocks": [
        {"type": "actions", "elements": [{"type": "button", "action_id": "approval.approve", "value": "{oops",
                                          "text": {"type": "plain_text", "text": "Approve"}}]}]}
    response = await bot.player.click(card, action_id="approval.approve", user="W111")
    assert response.status == 200
    hook = await bot.slack.wait_for(lambda: bot.slack.hooks)
    assert hook[0][1]["response_type"] == "ephemeral"
    assert bot.slack.of("chat.update") == [] and bot.slack.of("chat.postMessage") == []


async def test_command_text_mentioning_payload_is_still_a_command(bot: Bot) -> None:
    bot.nlu.teach("send the payload docs", "help")
    assert (await bot.player.command("send the payload docs")).status == 200
    await bot.slack.wait_for(lambda: len(bot.slack.of("chat.postMessage")) >= 2)
    assert [m.text for m in bot.nlu.seen] == ["send the payload docs"]
