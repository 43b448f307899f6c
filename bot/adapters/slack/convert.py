"""Slack payloads -> ``Message`` / ``Interaction``: markup, mentions, threads and de-dup keys."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from bot.adapters.slack.blocks import INPUT_PREFIX
from bot.models import Interaction, Mention, Message

PLATFORM = "slack"
MAX_TYPED = 2000
MAX_INPUTS = 20
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_MAILTO = re.compile(r"<mailto:([^|>]+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|ftp)://[^|>]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_LEADING_MENTION = re.compile(r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>[\s,:]*")


def clean_text(text: str, *, bot_user_id: str | None = None, strip_leading_mention: bool = False) -> str:
    """Slack's markup as people read it; user mentions stay ``<@U…>`` for the NLU (actions.md).

    The bot's own mention (the one that addressed it) is removed.
    """
    if strip_leading_mention:
        text = _LEADING_MENTION.sub("", text, count=1)
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>\s*", "", text)
    text = _USER_MENTION.sub(lambda m: f"<@{m.group(1)}>", text)
    text = _MAILTO.sub(lambda m: m.group(1), text)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _SPECIAL.sub(lambda m: f"@{m.group(1)}", text)
    return html.unescape(text).strip()


def mentions_in(text: str, *, bot_user_id: str | None = None,
                names: Mapping[str, str | None] | None = None) -> tuple[Mention, ...]:
    """The people mentioned, in order, without the bot itself."""
    ids = [i for i in dict.fromkeys(_USER_MENTION.findall(text)) if i != bot_user_id]
    names = names or {}
    return tuple(Mention(id=i, name=names.get(i)) for i in ids)


def mentioned_ids(text: str) -> list[str]:
    return list(dict.fromkeys(_USER_MENTION.findall(text)))


def command_message(body: Mapping[str, Any], *, thread: str | None, text: str) -> Message:
    """A ``/flowdesk`` command; ``thread`` is the message the bot posted to hold the conversation."""
    return Message(
        platform=PLATFORM, workspace=str(body.get("team_id", "")), channel=str(body.get("channel_id", "")),
        thread=thread, id=thread or "", user=str(body["user_id"]),
        user_name=body.get("user_name") or None, text=text, mentions=mentions_in(str(body.get("text", ""))),
        ref=_ref(response_url=body.get("response_url"), enterprise_id=body.get("enterprise_id")),
    )


def event_message(body: Mapping[str, Any], event: Mapping[str, Any], *, text: str, user_name: str | None,
                  mentions: tuple[Mention, ...]) -> Message:
    """An app_mention or a direct message; the reply goes in the thread it came from."""
    ts = str(event.get("ts", ""))
    return Message(
        platform=PLATFORM, workspace=str(event.get("team") or body.get("team_id") or ""),
        channel=str(event.get("channel", "")), thread=str(event.get("thread_ts") or ts) or None, id=ts,
        user=str(event["user"]), user_name=user_name, text=text, mentions=mentions,
        ref=_ref(enterprise_id=body.get("enterprise_id")),
    )


def click(body: Mapping[str, Any]) -> Interaction:
    """The first action of a block_actions payload; the clicking user is Slack's, never the card's."""
    action = body["actions"][0]
    user = body["user"]
    container = body.get("container") or {}
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id") or ""
    message_ts = str(container.get("message_ts") or message.get("ts") or "")
    team = (body.get("team") or {}).get("id") or user.get("team_id") or ""
    thread = message.get("thread_ts") or container.get("thread_ts") or message_ts or None
    return Interaction(
        platform=PLATFORM, workspace=str(team), channel=str(channel), thread=thread, user=str(user["id"]),
        user_name=user.get("name") or user.get("username") or None, action_id=str(action["action_id"]),
        value=str(action.get("value") or ""), message_id=message_ts,
        delivery_id=click_key(body), fields=typed(body),
        ref=_ref(response_url=body.get("response_url"), channel=channel, ts=message_ts,
                 ephemeral=bool(container.get("is_ephemeral")), enterprise_id=(body.get("enterprise") or {}).get("id")),
    )


def typed(body: Mapping[str, Any]) -> dict[str, str]:
    """What the clicking person had typed in the card's inputs (``state.values`` of the payload)."""
    values = (body.get("state") or {}).get("values") or {}
    found: dict[str, str] = {}
    for block_id, elements in values.items() if isinstance(values, dict) else ():
        if not (isinstance(block_id, str) and block_id.startswith(INPUT_PREFIX) and isinstance(elements, dict)):
            continue
        element = elements.get("value")
        text = element.get("value") if isinstance(element, dict) else None
        found[block_id.removeprefix(INPUT_PREFIX)] = str(text or "")[:MAX_TYPED]
        if len(found) == MAX_INPUTS:
            break
    return found


def click_key(body: Mapping[str, Any]) -> str:
    """(user, message ts, action_id, action_ts): the same click delivered twice has the same key."""
    action = body["actions"][0]
    container = body.get("container") or {}
    message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts") or ""
    return f"slack:click:{body['user']['id']}:{message_ts}:{action['action_id']}:{action.get('action_ts', '')}"


def _ref(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "")}
