"""``flowdesk serve`` as operators run it (a subprocess, the work in its child process), played by Slack."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.slack.players import SECRET, TOKEN, SlackPlayer
from tests.fakes.slack_api import FakeSlack

FLOWDESK = Path(sys.executable).with_name("flowdesk")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def served(tmp_path: Path, fake_slack: FakeSlack) -> AsyncIterator[SlackPlayer]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWDESK_")}
    env.update(FLOWDESK_DATA_DIR=str(tmp_path / "data"), FLOWDESK_SLACK_SIGNING_SECRET=SECRET,
               FLOWDESK_SLACK_BOT_TOKEN=TOKEN, FLOWDESK_SLACK_API_URL=fake_slack.api_url,
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    proc = await asyncio.create_subprocess_exec(str(FLOWDESK), "serve", "--port", str(port), env=env,
                                                cwd=tmp_path, stdout=asyncio.subprocess.DEVNULL,
                                                stderr=asyncio.subprocess.DEVNULL)
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as health:
                    if health.status == 200:
                        break
            except aiohttp.ClientError:
                await asyncio.sleep(0.2)
        yield SlackPlayer(url=f"http://127.0.0.1:{port}/slack/events", session=session,
                          hook_base=f"{fake_slack.base}/hooks")
    proc.terminate()
    assert await asyncio.wait_for(proc.wait(), timeout=40) is not None


async def test_served_bot_verifies_acks_and_answers_in_the_thread(served: SlackPlayer, fake_slack: FakeSlack) -> None:
    body = served.command_body("help")
    assert (await served.post(body, content_type="application/x-www-form-urlencoded", signed=False)).status == 401
    assert (await served.post(body, content_type="application/x-www-form-urlencoded")).status == 200
    root = await fake_slack.wait_for(lambda: [c for c in fake_slack.of("chat.postMessage")
                                              if "asked: /flowdesk help" in c.args["text"]], timeout=60)
    assert root[0].args["channel"] == "C111"
    # Whatever the NLU model on this machine says (or a polite error when none is installed),
    # the command gets an answer in the thread the bot opened.
    answer = await fake_slack.wait_for(lambda: [c for c in fake_slack.of("chat.postMessage")
                                                if c.args.get("thread_ts")], timeout=90)
    assert answer[0].args["thread_ts"] == "1700000000.000001"
