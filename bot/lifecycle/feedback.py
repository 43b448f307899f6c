"""Feedback from chat, kept as training data.

When the bot had to ask for an argument (or ask again for one it could not use) and the
user's answer completed the request, the first message with the intent that was finally
run is a corrected example. Thumbs up/down on a reading are kept too: an approved reading
is a confirmed example; a rejected one is kept for people to relabel, never exported as is.
``export`` writes the examples in the dataset format of spec/actions.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot import dedup
from bot.lifecycle.tables import nlu_feedback
from bot.models import Button, Card, Interaction, Parse, Reply
from bot.storage import Database

CLARIFIED, UP, DOWN = "clarified", "up", "down"
RATE_UP, RATE_DOWN = "flowdesk.nlu.up", "flowdesk.nlu.down"
MAX_VALUE = 1900
"""Platforms cap a button's value (Slack: 2,000 characters); longer readings get no buttons."""
OPEN, DONE = "open", "done"
EXPORTED_KINDS = (CLARIFIED, UP)
ASK = "Did I understand you?"
"""Title of the small card that carries the buttons on a reply that has no card of its own."""


class FeedbackRecorder:
    """The dispatcher's hooks: a question asked, a request completed after a question, a rating."""

    def __init__(self, database: Database, *, model_version: Any = None, buttons: bool = True) -> None:
        self.database = database
        self.model_version = model_version
        """A callable returning the serving model's version, recorded with each example."""
        self.buttons = buttons
        """Whether replies to a reading carry thumbs up/down (``FLOWDESK_RATING_BUTTONS``)."""

    def rated(self, reply: Reply, *, text: str, intent: str, args: dict[str, Any]) -> Reply:
        """``reply`` to a message the bot acted on, with thumbs up/down on how it read ``text``."""
        if not self.buttons:
            return reply
        return with_buttons(reply, reading_buttons(text, intent, args))

    async def asked(self, session: AsyncSession, *, key: str, user: str, text: str, intent: str,
                    args: dict[str, Any]) -> None:
        """The bot asked for an argument of a freshly read message: remember it and what was read."""
        await session.execute(sa.delete(nlu_feedback).where(
            nlu_feedback.c.conversation_key == key, nlu_feedback.c.state == OPEN))
        await session.execute(nlu_feedback.insert().values(
            kind=CLARIFIED, state=OPEN, conversation_key=key, user=user, text=text, intent=intent,
            args=_jsonable(args), model_version=self._version(), created_at=datetime.now(UTC)))

    async def completed(self, *, key: str, intent: str, args: dict[str, Any]) -> None:
        """The answers completed the request: the remembered message becomes an example.

        Its arguments are those the message itself carried (as the user finally corrected
        them); arguments supplied only by later answers are not in its text (actions.md).
        """
        async with self.database.transaction() as session:
            row = (await session.execute(sa.select(nlu_feedback.c.id, nlu_feedback.c.args).where(
                nlu_feedback.c.conversation_key == key, nlu_feedback.c.state == OPEN,
                nlu_feedback.c.intent == intent))).first()
            if row is None:
                return
            stated = {k: v for k, v in _jsonable(args).items() if k in row.args}
            await session.execute(sa.update(nlu_feedback).where(nlu_feedback.c.id == row.id)
                                  .values(state=DONE, args=stated))

    async def rate(self, *, key: str, user: str, text: str, intent: str, args: dict[str, Any], up: bool,
                   delivery_key: str = "") -> bool:
        """A thumbs up or down on the bot's reading of ``text``; False when this click was recorded already."""
        async with self.database.transaction() as session:
            if not await dedup.claim(session, delivery_key):
                return False
            await session.execute(nlu_feedback.insert().values(
                kind=UP if up else DOWN, state=DONE, conversation_key=key, user=user, text=text,
                intent=intent, args=_jsonable(args), model_version=self._version(),
                created_at=datetime.now(UTC)))
        return True

    def handles(self, action_id: str) -> bool:
        return action_id in (RATE_UP, RATE_DOWN)

    async def on_rating(self, interaction: Interaction) -> Reply | None:
        """A click on a thumbs button (see ``rating_buttons``); None when the click was a retried delivery."""
        try:
            reading = json.loads(interaction.value)
            text, intent, args = str(reading["text"]), str(reading["intent"]), dict(reading.get("args") or {})
        except (ValueError, KeyError, TypeError):
            return Reply(text="I couldn't record that rating.", private=True)
        up = interaction.action_id == RATE_UP
        if not await self.rate(key=interaction.address().conversation_key, user=interaction.user, text=text,
                               intent=intent, args=args, up=up, delivery_key=interaction.delivery_id):
            return None
        return Reply(text="Thanks, noted." if up else "Thanks, I'll learn from that.", private=True)

    def _version(self) -> str | None:
        return self.model_version() if callable(self.model_version) else self.model_version


def rating_buttons(text: str, parse: Parse) -> tuple[Button, ...]:
    """Thumbs up/down buttons on the bot's reading of ``text``; none when it is too long to carry."""
    return reading_buttons(text, parse.intent, dict(parse.args))


def reading_buttons(text: str, intent: str, args: dict[str, Any]) -> tuple[Button, ...]:
    """Thumbs up/down carrying the reading (text, intent, arguments) a click rates."""
    value = json.dumps({"text": text, "intent": intent, "args": _jsonable(args)}, ensure_ascii=False)
    if len(value) > MAX_VALUE:
        return ()
    return (Button(label="👍", action_id=RATE_UP, value=value), Button(label="👎", action_id=RATE_DOWN, value=value))


def with_buttons(reply: Reply, buttons: tuple[Button, ...]) -> Reply:
    """``reply`` with ``buttons`` after its card's own, or on a small card of their own.

    Buttons travel on the platform-neutral ``Card``, which every adapter already renders
    (Block Kit, Adaptive Card, the console), so no adapter needs to know about ratings.
    """
    if not buttons:
        return reply
    card = reply.card or Card(title=ASK)
    return reply.model_copy(update={"card": card.model_copy(update={"buttons": (*card.buttons, *buttons)})})


async def examples(database: Database) -> list[dict[str, Any]]:
    """Exportable examples, oldest first, one per distinct text (the latest reading wins).

    A thumbs down after an example with the same text and intent withdraws it.
    """
    async with database.sessions() as session:
        rows = (await session.execute(
            sa.select(nlu_feedback).where(nlu_feedback.c.state == DONE,
                                          nlu_feedback.c.kind.in_((*EXPORTED_KINDS, DOWN)))
            .order_by(nlu_feedback.c.id))).all()
    by_text: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row.kind == DOWN:  # a later thumbs down withdraws the same reading of the same text
            if by_text.get(row.text, {}).get("intent") == row.intent:
                del by_text[row.text]
            continue
        example: dict[str, Any] = {"text": row.text, "intent": row.intent}
        if row.args:
            example["args"] = dict(row.args)
        by_text.pop(row.text, None)
        by_text[row.text] = example
    return list(by_text.values())


async def export(database: Database, out: Path) -> int:
    """Write the examples as JSONL (spec/actions.md); returns how many."""
    rows = await examples(database)
    write_jsonl(rows, out)
    return len(rows)


def write_jsonl(rows: Iterable[dict[str, Any]], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _jsonable(args: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(args, default=str))
