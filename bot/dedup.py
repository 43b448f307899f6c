"""Exactly-once processing of deliveries that platforms retry (event ids, clicks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.tables import processed_events

KEEP_FOR = timedelta(days=2)


async def claim(session: AsyncSession, key: str) -> bool:
    """Record ``key`` in the caller's transaction; False when it was processed already.

    Because the key is written in the same transaction as the state change, a
    crash before commit leaves neither, and a retry is processed then.
    """
    if not key:
        return True
    exists = await session.scalar(
        sa.select(processed_events.c.key).where(processed_events.c.key == key)
    )
    if exists is not None:
        return False
    try:
        async with session.begin_nested():
            await session.execute(
                processed_events.insert().values(key=key, created_at=datetime.now(UTC))
            )
    except IntegrityError:
        return False
    return True


async def prune(session: AsyncSession, *, now: datetime) -> int:
    """Forget keys older than any retry a platform would still send."""
    result = await session.execute(
        processed_events.delete().where(processed_events.c.created_at < now - KEEP_FOR)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
