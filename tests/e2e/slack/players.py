"""Plays Slack: signed requests built from the real payload shapes in the shared fixtures."""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp

FIXTURES = Path(os.environ.get("FLOWDESK_SHARED_DIR") or Path(__file__).resolve().parents[4] / "shared") / "fixtures"
"""The shared payload samples: ``shared/`` beside the repository, or ``FLOWDESK_SHARED_DIR``."""
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-test-token"
_counter = itertools.count(1)


def fixture(name: str) -> Any:
    text = (FIXTURES / name).read_text(encoding="utf-8").strip()
    return json.loads(text) if name.endswith(".json") else text


def sign(body: bytes, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature headers for ``body``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


class SlackPlayer:
    """Sends what Slack would send to a running flowdesk, signed with the app's secret."""

    def __init__(self, *, url: str, session: aiohttp.ClientSession, hook_base: str) -> None:
        self.url = url
        self.session = session
        self.hook_base = hook_base

    async def post(self, body: bytes, *, content_type: str, headers: dict[str, str] | None = None,
                   signed: bool = True, timestamp: int | None = None) -> aiohttp.ClientResponse:
        all_headers = {"Content-Type": content_type, **(sign(body, timestamp=timestamp) if signed else {}),
                       **(headers or {})}
        async with self.session.post(self.url, data=body, headers=all_headers) as response:
            await response.read()
            return response

    def command_body(self, text: str, *, user: str = "W111", user_name: str = "pat", channel: str = "C111",
                     team: str = "T111") -> bytes:
        form = dict(parse_qsl(fixture("slack_slash_command.txt"), keep_blank_values=True))
        n = next(_counter)
        form.update(command="/flowdesk", text=text, user_id=user, user_name=user_name, channel_id=channel,
                    team_id=team, trigger_id=f"{n}.111.xxx", response_url=f"{self.hook_base}/cmd{n}")
        return urlencode(form).encode()

    async def command(self, text: str, **kwargs: Any) -> aiohttp.ClientResponse:
        return await self.post(self.command_body(text, **kwargs), content_type="application/x-www-form-urlencoded")

    def mention_body(self, text: str, *, user: str = "W222", ts: str = "1595926230.009600",
                     event_id: str = "Ev111", thread_ts: str | None = None) -> bytes:
        body = fixture("slack_app_mention_event_callback.json")
        body["event"].update(text=text, user=user, ts=ts, event_ts=ts)
        if thread_ts:
            body["event"]["thread_ts"] = thread_ts
        body["event_id"] = event_id
        return json.dumps(body).encode()

    def click_body(self, card: dict[str, Any], *, action_id: str, user: str, user_name: str | None = None,
                   action_ts: str | None = None) -> bytes:
        """A click on a button of a message the fake Slack recorded (``card``: the call's args + ts)."""
        body = copy.deepcopy(fixture("slack_block_actions_with_message.json"))
        button = next(e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
                      if e["action_id"] == action_id)
        body["user"] = {"id": user, **({"name": user_name} if user_name else {})}
        body["team"] = {"id": "T111"}
        body["channel"] = {"id": card["channel"]}
        body["container"].update(message_ts=card["ts"], channel_id=card["channel"])
        body["message"].update(ts=card["ts"], blocks=card["blocks"], text=card.get("text", ""))
        if card.get("thread_ts"):
            body["message"]["thread_ts"] = card["thread_ts"]
        body["response_url"] = f"{self.hook_base}/click{next(_counter)}"
        body["actions"] = [{**button, "block_id": "flowdesk.actions", "type": "button",
                            "action_ts": action_ts or f"{time.time():.6f}"}]
        return urlencode({"payload": json.dumps(body)}).encode()

    async def click(self, card: dict[str, Any], **kwargs: Any) -> aiohttp.ClientResponse:
        return await self.post(self.click_body(card, **kwargs), content_type="application/x-www-form-urlencoded")


def ts_of(slack: Any, call: Any) -> str:
    """The ts the fake Slack answered ``call`` with (it numbers posted messages in order)."""
    counted = [c for c in slack.calls if c.method in ("chat.postMessage", "chat.postEphemeral")]
    return f"1700000000.{counted.index(call) + 1:06d}"


def posted_card(slack: Any, action_id: str) -> dict[str, Any] | None:
    """The first posted message with a button ``action_id``, with its ts."""
    for call in slack.of("chat.postMessage"):
        if any(e.get("action_id") == action_id for b in call.args.get("blocks") or [] if b["type"] == "actions"
               for e in b["elements"]):
            return {**call.args, "ts": ts_of(slack, call)}
    return None


def block_texts(blocks: list[dict[str, Any]]) -> str:
    """All text a person would read in ``blocks``."""
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out += [f["text"] for f in block.get("fields", [])]
        out += [e["text"]["text"] if isinstance(e.get("text"), dict) else e.get("text", "")
                for e in block.get("elements", [])]
    return "\n".join(out)
