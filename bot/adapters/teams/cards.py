"""Cards as Adaptive Cards, and clicks on them back to flowdesk actions.

Buttons are Universal Actions (``Action.Execute``) so Teams sends an
``adaptiveCard/action`` invoke and the card can be refreshed in place; each one
falls back to ``Action.Submit`` on clients without Universal Actions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity

from bot.models import Card, Reply

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.4"
MARK = "flowdesk"
STYLES = {"primary": "positive", "danger": "destructive", "default": "default"}
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"
ERROR_TYPE = "application/vnd.microsoft.error"
MAX_VALUE = 4000
INPUT_PREFIX = "flowdesk.input."
"""Ids of a card's inputs; Teams sends their text with the click's data."""
MAX_TYPED = 2000
MAX_INPUTS = 20


@dataclass(frozen=True)
class Click:
    """A click on one of flowdesk's buttons: which action, with which JSON arguments, and what the
    person had typed in the card's inputs."""

    action_id: str
    value: str
    fields: dict[str, str] = field(default_factory=dict)


def adaptive_card(card: Card) -> dict[str, Any]:
    """The Adaptive Card (1.4) of a platform-neutral card."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": card.title, "weight": "Bolder", "size": "Medium", "wrap": True}
    ]
    if card.text:
        body.append({"type": "TextBlock", "text": card.text, "wrap": True})
    if card.fields:
        body.append({"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in card.fields]})
    body += [{"type": "Input.Text", "id": INPUT_PREFIX + item.name, "label": item.label, "value": item.value,
              "placeholder": item.placeholder, "maxLength": MAX_TYPED} for item in card.inputs]
    if card.footer:
        body.append({"type": "TextBlock", "text": card.footer, "isSubtle": True, "size": "Small", "wrap": True})
    actions = []
    for button in card.buttons:
        data = {MARK: {"action_id": button.action_id, "value": button.value}}
        submit = {"type": "Action.Submit", "title": button.label, "data": data}
        actions.append({"type": "Action.Execute", "title": button.label, "verb": button.action_id,
                        "data": data, "style": STYLES[button.style], "fallback": submit})
    out: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body,
                           "msteams": {"width": "Full"}}
    if actions:
        out["actions"] = actions
    return out


def to_activity(reply: Reply) -> Activity:
    """The message activity of a reply: text, an Adaptive Card, or both."""
    if reply.attachments:
        names = ", ".join(f.name for f in reply.attachments)
        note = f"(I made {names} for you, but I can't send files in Teams yet.)"
        reply = reply.model_copy(update={"text": f"{reply.text}\n\n{note}".strip(), "attachments": ()})
    if reply.card is None:
        return MessageFactory.text(reply.text)
    text = reply.text if reply.text and reply.text != reply.card.title else None
    activity = MessageFactory.attachment(CardFactory.adaptive_card(adaptive_card(reply.card)), text=text)
    activity.summary = reply.text or reply.card.title
    return activity


def click_of(data: Any) -> Click | None:
    """The flowdesk click in a card's data (Action.Execute ``data`` or Action.Submit ``value``)."""
    if not isinstance(data, dict):
        return None
    mark = data.get(MARK)
    if not isinstance(mark, dict):
        return None
    action_id, value = mark.get("action_id"), mark.get("value", "")
    if not isinstance(action_id, str) or not action_id or not isinstance(value, str) or len(value) > MAX_VALUE:
        return None
    return Click(action_id=action_id, value=value, fields=typed(data))


def typed(data: dict[str, Any]) -> dict[str, str]:
    """The inputs' text Teams merged into the click's data (keys are the inputs' ids)."""
    found = {key.removeprefix(INPUT_PREFIX): str(text)[:MAX_TYPED] for key, text in data.items()
             if isinstance(key, str) and key.startswith(INPUT_PREFIX) and isinstance(text, (str, int, float))}
    return dict(list(found.items())[:MAX_INPUTS])


def execute_data(value: Any) -> Any:
    """``value.action.data`` of an ``adaptiveCard/action`` invoke, if it is an Action.Execute."""
    if not isinstance(value, dict):
        return None
    action = value.get("action")
    if not isinstance(action, dict) or action.get("type") != "Action.Execute":
        return None
    return action.get("data")


def card_response(card: Card) -> dict[str, Any]:
    """Invoke answer that shows the new card to the clicking user at once."""
    return {"statusCode": 200, "type": CARD_TYPE, "value": adaptive_card(card)}


def message_response(text: str) -> dict[str, Any]:
    """Invoke answer that shows a short notice only to the clicking user; the card stays."""
    return {"statusCode": 200, "type": MESSAGE_TYPE, "value": text}


def error_response(status: int, message: str) -> dict[str, Any]:
    code = "BadRequest" if status < 500 else "InternalError"
    return {"statusCode": status, "type": ERROR_TYPE, "value": {"code": code, "message": message}}
