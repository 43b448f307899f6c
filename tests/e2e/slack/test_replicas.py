"""Two replicas behind one Slack app: a retried event that lands on the other one is answered once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import redis.asyncio as redis

from tests.e2e.slack.conftest import start_bot
from tests.fakes.slack_api import FakeSlack

REDIS_URL = "redis://127.0.0.1:6379/15"


async def _redis_reason() -> str | None:
    client = redis.from_url(REDIS_URL)
    try:
        await client.ping()
        await client.flushdb()
    except Exception as exc:  # noqa: BLE001 - any failure means "not here"
        return f"Redis is not reachable at {REDIS_URL} ({type(exc).__name__}: {exc})"
    finally:
        await client.aclose()
    return None


@pytest.mark.parametrize("shared", ["database", "redis"])
async def test_retry_on_another_replica_is_answered_once(tmp_path: Path, fake_slack: FakeSlack, shared: str) -> None:
    extra = {}
    if shared == "redis":
        reason = await _redis_reason()
        if reason:
            pytest.skip(reason)
        extra["FLOWDESK_REDIS_URL"] = REDIS_URL
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    one, stop_one = await start_bot(tmp_path / "one", fake_slack, database_url=url, extra=extra)
    two, stop_two = await start_bot(tmp_path / "two", fake_slack, database_url=url, extra=extra)
    try:
        body = one.player.mention_body("<@UFLOWBOT> tell me a joke", event_id=f"Ev0REPLICA{shared}")
        sends = [one.player.post(body, content_type="application/json"),
                 two.player.post(body, content_type="application/json", headers={"X-Slack-Retry-Num": "1"}),
                 two.player.post(body, content_type="application/json", headers={"X-Slack-Retry-Num": "2"})]
        assert [r.status for r in await asyncio.gather(*sends)] == [200, 200, 200]
        await fake_slack.wait_for(lambda: fake_slack.of("chat.postMessage"))
        await asyncio.sleep(1.0)
        assert len(fake_slack.of("chat.postMessage")) == 1
        assert len(one.nlu.seen) + len(two.nlu.seen) == 1
    finally:
        await stop_one()
        await stop_two()
