"""Socket Mode: with an app token, events arrive over a WebSocket, are acknowledged by envelope id,
and are answered once even when Slack delivers the same event again."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.slack.conftest import start_bot
from tests.e2e.slack.players import fixture
from tests.fakes.slack_api import FakeSlack


async def test_socket_mode_event_and_command(tmp_path: Path, fake_slack: FakeSlack) -> None:
    bot, stop = await start_bot(tmp_path, fake_slack, extra={
        "FLOWDESK_SLACK_SIGNING_SECRET": "", "FLOWDESK_SLACK_APP_TOKEN": "xapp-1-A111-test"})
    try:
        assert fake_slack.of("apps.connections.open")[0].token == "xapp-1-A111-test"
        event = fixture("slack_app_mention_event_callback.json")
        event["event"]["text"] = "<@UFLOWBOT> hello over the socket"
        for n, envelope_id in enumerate(["env-1", "env-2"]):
            await fake_slack.push({"envelope_id": envelope_id, "type": "events_api", "payload": event,
                                   "accepts_response_payload": False, "retry_attempt": n,
                                   "retry_reason": "timeout" if n else ""})
        await fake_slack.wait_for(lambda: len(fake_slack.socket_acks) >= 2)
        assert {a["envelope_id"] for a in fake_slack.socket_acks} == {"env-1", "env-2"}
        answer = await fake_slack.wait_for(lambda: fake_slack.of("chat.postMessage"))
        assert answer[0].args["thread_ts"] == event["event"]["ts"]
        await asyncio.sleep(0.5)
        assert len(fake_slack.of("chat.postMessage")) == 1
        assert [m.text for m in bot.nlu.seen] == ["hello over the socket"]
    finally:
        await stop()
