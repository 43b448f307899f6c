"""Block Kit rendering of ``Reply``/``Card``/``Button``, within Slack's size limits.

Slack refuses a whole message when one element is too long, so every piece is
cut to its limit here rather than hoping the text is short.
"""

from __future__ import annotations

from typing import Any

from bot.models import Button, Card, Input, Reply

HEADER_MAX = 150
SECTION_MAX = 3000
FIELD_MAX = 2000
FIELDS_PER_SECTION = 10
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
CONTEXT_MAX = 2000
FALLBACK_MAX = 3000
LABEL_MAX = 2000
INPUT_VALUE_MAX = 3000
PLACEHOLDER_MAX = 150
INPUT_PREFIX = "flowdesk.input."
"""Block ids of a card's inputs; a click reads their text from the payload's ``state.values``."""


def escape(text: str) -> str:
    """Slack's three control characters, so user text cannot forge mentions or links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def to_button(button: Button) -> dict[str, Any]:
    """One Block Kit button; ``default`` style is expressed by leaving ``style`` out."""
    element: dict[str, Any] = {
        "type": "button",
        "action_id": button.action_id,
        "text": {"type": "plain_text", "text": _cut(button.label, BUTTON_TEXT_MAX), "emoji": True},
    }
    if button.value:
        if len(button.value) > BUTTON_VALUE_MAX:
            raise ValueError(f"button value of {button.action_id!r} exceeds {BUTTON_VALUE_MAX} characters")
        element["value"] = button.value
    if button.style != "default":
        element["style"] = button.style
    return element


def to_input(item: Input) -> dict[str, Any]:
    """An input block with a one-line text box, pre-filled with the value the card offers."""
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value"}
    if item.value:
        element["initial_value"] = _cut(item.value, INPUT_VALUE_MAX)
    if item.placeholder:
        element["placeholder"] = {"type": "plain_text", "text": _cut(item.placeholder, PLACEHOLDER_MAX)}
    return {"type": "input", "block_id": INPUT_PREFIX + item.name, "optional": True,
            "label": {"type": "plain_text", "text": _cut(item.label, LABEL_MAX)}, "element": element}


def card_blocks(card: Card) -> list[dict[str, Any]]:
    """Header, fields (in sections of ten), text, inputs, buttons and footer of a card."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(card.title or " ", HEADER_MAX), "emoji": True}}
    ]
    fields = [
        {"type": "mrkdwn", "text": _cut(f"*{escape(name)}*\n{escape(value)}", FIELD_MAX)}
        for name, value in card.fields
    ]
    for start in range(0, len(fields), FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": fields[start:start + FIELDS_PER_SECTION]})
    if card.text:
        blocks.append(_section(card.text))
    blocks.extend(to_input(item) for item in card.inputs)
    if card.buttons:
        blocks.append({"type": "actions", "block_id": "flowdesk.actions",
                       "elements": [to_button(b) for b in card.buttons]})
    if card.footer:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(escape(card.footer), CONTEXT_MAX)}]})
    return blocks


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(escape(text), SECTION_MAX)}}


def to_message(reply: Reply) -> dict[str, Any]:
    """Keyword arguments of chat.postMessage / chat.update / a response_url body.

    ``text`` is always set: Slack shows it in notifications and to screen readers.
    """
    blocks: list[dict[str, Any]] = []
    if reply.text and reply.card is not None and reply.text != reply.card.title:
        blocks.append(_section(reply.text))
    if reply.card is not None:
        blocks.extend(card_blocks(reply.card))
    fallback = reply.text or (reply.card.title if reply.card else "") or " "
    message: dict[str, Any] = {"text": _cut(escape(fallback), FALLBACK_MAX)}
    if blocks:
        message["blocks"] = blocks
    return message
