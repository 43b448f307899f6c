"""Signed but mangled versions of real Slack payloads: never a server error, never a wrong post."""

from __future__ import annotations

import asyncio
import copy
import json
import random
from typing import Any
from urllib.parse import parse_qsl, urlencode

from tests.e2e.slack.conftest import Bot
from tests.e2e.slack.players import fixture

ODD_VALUES: list[Any] = [None, 0, -1, 1.5, True, "", "x" * 300, [], [1, "a"], {}, {"id": None}, {"id": 5}]


def _mutate(value: Any, rng: random.Random) -> Any:
    """Replace, drop or retype one randomly chosen key somewhere in a nested payload."""
    value = copy.deepcopy(value)
    paths: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for key, child in list(items):
            paths.append((node, key))
            walk(child)

    walk(value)
    for _ in range(rng.randint(1, 3)):
        node, key = rng.choice(paths)
        if isinstance(node, dict) and rng.random() < 0.3:
            node.pop(key, None)
        elif isinstance(node, dict) or (isinstance(node, list) and key < len(node)):
            node[key] = rng.choice(ODD_VALUES)
    return value


async def test_mangled_payloads_never_get_5xx(bot: Bot) -> None:
    rng = random.Random(20261123)
    click = fixture("slack_block_actions_with_message.json")
    click["actions"][0]["action_id"] = "approval.approve"
    mention = fixture("slack_app_mention_event_callback.json")
    command = dict(parse_qsl(fixture("slack_slash_command.txt")))
    command["command"] = "/flowdesk"
    statuses: list[int] = []
    for _ in range(60):
        body = urlencode({"payload": json.dumps(_mutate(click, rng))}).encode()
        statuses.append((await bot.player.post(body, content_type="application/x-www-form-urlencoded")).status)
        body = json.dumps(_mutate(mention, rng)).encode()
        statuses.append((await bot.player.post(body, content_type="application/json")).status)
        form = _mutate(command, rng)
        body = urlencode({k: json.dumps(v) if not isinstance(v, str) else v for k, v in form.items()}).encode()
        statuses.append((await bot.player.post(body, content_type="application/x-www-form-urlencoded")).status)
    assert all(status < 500 for status in statuses), sorted(set(statuses))
    assert any(status >= 400 for status in statuses) and any(status == 200 for status in statuses)
    await asyncio.sleep(1.0)
    assert bot.slack.of("chat.update") == []
