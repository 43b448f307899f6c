"""Platform-neutral replies the pipeline itself says (questions, previews, help, errors)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from bot.models import ActionResult, Button, Card, Reply

CONFIRM = "flowdesk.confirm"
CANCEL = "flowdesk.cancel"
MAX_FIELD = 300


def from_result(result: ActionResult, text: str | None = None) -> Reply:
    """The reply for a connector's result; ``text`` is the generated wording when there is one."""
    return Reply(
        text=text or result.summary, card=result.card, replace=result.replace, private=result.private,
        attachments=result.attachments,
    )


def ask(question: str) -> Reply:
    return Reply(text=question)


def preview(*, pending_id: str, card: Card) -> Reply:
    """The card of an action that leaves the chat, with Send and Cancel."""
    value = json.dumps({"id": pending_id})
    buttons = (
        Button(label="Send", action_id=CONFIRM, value=value, style="primary"),
        Button(label="Cancel", action_id=CANCEL, value=value, style="danger"),
    )
    return Reply(text=card.title, card=card.model_copy(update={"buttons": buttons}))


def default_preview(action: str, args: Mapping[str, Any]) -> Card:
    """A preview listing the arguments, for actions without a preview of their own."""
    return Card(title=f"Ready to run {action}", fields=tuple(_fields(args)), footer="Nothing happens until you click Send.")


def decided(card: Card | None, footer: str) -> Reply:
    """The preview card again, without buttons, saying what was decided."""
    base = card or Card(title="Request")
    return Reply(text=footer, card=base.model_copy(update={"buttons": (), "footer": footer}), replace=True)


def help_text(actions: Iterable[tuple[str, str]]) -> Reply:
    lines = ["Here is what I can do — just ask in your own words:"]
    lines += [f"• {description or name}" for name, description in actions]
    lines.append("Examples: “ask @dana to approve $1,200 for a laptop”, “email sam@example.com the Q3 report”, “log 3.5h on Apollo”.")
    return Reply(text="\n".join(lines))


def out_of_scope() -> Reply:
    return Reply(text="Sorry, I can't help with that. Say “help” to see what I can do.")


def notice(text: str) -> Reply:
    return Reply(text=text, private=True)


def _fields(args: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    for key, value in args.items():
        if value in (None, "", [], {}):
            continue
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        yield key.replace("_", " ").capitalize(), shown[:MAX_FIELD]
