"""Actions that leave the chat wait here for Send or Cancel.

The decision is a compare-and-set on the row's state, so a double click, a
retried delivery or two people clicking at once run the action at most once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Actor, Address
from bot.storage.tables import pending_actions


@dataclass(frozen=True)
class PendingAction:
    id: str
    action: str
    args: dict[str, Any]
    actor: Actor
    origin: Address
    state: str


async def create(
    session: AsyncSession, *, action: str, args: dict[str, Any], actor: Actor, origin: Address,
    now: datetime,
) -> PendingAction:
    pending = PendingAction(
        id=uuid.uuid4().hex, action=action, args=args, actor=actor, origin=origin, state="pending"
    )
    await session.execute(
        pending_actions.insert().values(
            id=pending.id, action=action, args=args, actor=actor.model_dump(mode="json"),
            origin=origin.model_dump(mode="json"), state="pending", created_at=now,
        )
    )
    return pending


async def get(session: AsyncSession, pending_id: str) -> PendingAction | None:
    row = (
        await session.execute(sa.select(pending_actions).where(pending_actions.c.id == pending_id))
    ).first()
    if row is None:
        return None
    return PendingAction(
        id=row.id, action=row.action, args=dict(row.args), actor=Actor.model_validate(row.actor),
        origin=Address.model_validate(row.origin), state=row.state,
    )


async def decide(
    session: AsyncSession, pending_id: str, *, state: str, by: str, now: datetime
) -> bool:
    """Move a pending action to ``state``; False when someone else already decided it."""
    result = await session.execute(
        pending_actions.update()
        .where(pending_actions.c.id == pending_id, pending_actions.c.state == "pending")
        .values(state=state, decided_at=now, decided_by=by)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]
