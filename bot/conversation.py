"""Conversation state per thread: the action being filled in and the argument asked for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Actor
from bot.storage.tables import conversations

FORGET_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class OpenQuestion:
    """The bot asked ``awaiting`` for ``intent`` and waits for the answer in this thread."""

    intent: str
    args: dict[str, Any]
    awaiting: str
    actor: Actor


async def load(session: AsyncSession, key: str, *, now: datetime) -> OpenQuestion | None:
    """The open question of a thread, unless it is older than a day (then it is dropped)."""
    row = (await session.execute(sa.select(conversations).where(conversations.c.key == key))).first()
    if row is None:
        return None
    updated = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=now.tzinfo)
    if now - updated > FORGET_AFTER:
        await clear(session, key)
        return None
    return OpenQuestion(
        intent=row.intent, args=dict(row.args), awaiting=row.awaiting,
        actor=Actor.model_validate(row.actor),
    )


async def save(session: AsyncSession, key: str, question: OpenQuestion, *, now: datetime) -> None:
    """Remember what the bot asked in this thread (replacing any earlier question)."""
    await clear(session, key)
    await session.execute(
        conversations.insert().values(
            key=key, intent=question.intent, args=question.args, awaiting=question.awaiting,
            actor=question.actor.model_dump(mode="json"), updated_at=now,
        )
    )


async def clear(session: AsyncSession, key: str) -> None:
    await session.execute(conversations.delete().where(conversations.c.key == key))
