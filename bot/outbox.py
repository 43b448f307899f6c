"""The transactional outbox: side effects recorded with the state change that causes them.

Rows are written in the caller's transaction (so a rollback drops them too) and
performed later by ``OutboxWorker``, at least once, each under a unique key so a
resend is recognisable and an enqueue is idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Notice
from bot.storage.tables import outbox


def utcnow() -> datetime:
    return datetime.now(UTC)


class SqlOutbox:
    """Writes outbox rows; satisfies ``connectors.base.Outbox``."""

    async def enqueue(
        self, session: AsyncSession, *, kind: str, key: str, payload: Mapping[str, Any]
    ) -> bool:
        """Add a row unless ``key`` exists; returns whether a row was added."""
        exists = await session.scalar(sa.select(outbox.c.id).where(outbox.c.key == key))
        if exists is not None:
            return False
        now = utcnow()
        try:
            async with session.begin_nested():
                await session.execute(
                    outbox.insert().values(
                        kind=kind, key=key, payload=dict(payload), state="pending",
                        attempts=0, next_attempt_at=now, created_at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

    async def enqueue_notices(self, session: AsyncSession, notices: Iterable[Notice]) -> None:
        """Record messages for the platforms (kind ``notice``), each under its own key."""
        for notice in notices:
            await self.enqueue(session, kind="notice", key=notice.key, payload=notice.model_dump(mode="json"))
