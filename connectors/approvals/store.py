"""Reading and writing approval requests; every change is a compare-and-set on ``version``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import NotFound
from connectors.approvals.machine import Outcome, Slot, Snapshot
from connectors.approvals.models import to_ref

__all__ = ["Loaded", "to_ref"]
from connectors.tables import approval_approvers, approval_events, approvals

REASSIGNED = "reassigned"


@dataclass(frozen=True)
class Loaded:
    """One request as read in this transaction: the row and its live approver rows."""

    row: Any
    approvers: tuple[Any, ...]

    @property
    def ref(self) -> str:
        return to_ref(self.row.id)

    def snapshot(self) -> Snapshot:
        slots = tuple(Slot(step=a.step, user=a.user, decision=a.decision) for a in self.approvers)
        return Snapshot(
            state=self.row.state, mode=self.row.mode, step=self.row.step,
            slots=slots, requester=self.row.requester,
        )

    def names(self) -> dict[str, str]:
        """Platform user id -> display name of every approver."""
        return {a.user: a.name or a.user for a in self.approvers}


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


async def create(session: AsyncSession, *, values: dict[str, Any], approvers: list[tuple[int, str, str | None]],
                 actor: str, now: datetime) -> int:
    """Insert a pending request with its approvers ``(step, user, name)``; returns its id."""
    result = await session.execute(
        approvals.insert().values(state="pending", step=0, version=1, created_at=now, updated_at=now, **values)
    )
    approval_id = int(result.inserted_primary_key[0])
    await session.execute(
        approval_approvers.insert(),
        [dict(approval_id=approval_id, step=step, user=user, name=name) for step, user, name in approvers],
    )
    await _event(session, approval_id, "requested", None, "pending", actor, now, values.get("reason"))
    return approval_id


async def load(session: AsyncSession, approval_id: int, ref: str = "") -> Loaded:
    row = (await session.execute(sa.select(approvals).where(approvals.c.id == approval_id))).one_or_none()
    if row is None:
        raise NotFound(f"There is no approval request {ref or to_ref(approval_id)}.", private=True)
    people = (
        await session.execute(
            sa.select(approval_approvers)
            .where(approval_approvers.c.approval_id == approval_id)
            .where(sa.or_(approval_approvers.c.decision.is_(None), approval_approvers.c.decision != REASSIGNED))
            .order_by(approval_approvers.c.step, approval_approvers.c.id)
        )
    ).all()
    return Loaded(row=row, approvers=tuple(people))


async def apply(session: AsyncSession, loaded: Loaded, outcome: Outcome, *, actor: str, now: datetime,
                comment: str | None = None, extra: dict[str, Any] | None = None,
                names: dict[str, str] | None = None) -> bool:
    """Write ``outcome`` if nobody changed the request since it was loaded.

    Returns False when the compare-and-set lost (a concurrent decision won);
    nothing is written then.
    """
    after = outcome.after
    values: dict[str, Any] = dict(state=after.state, step=after.step, version=loaded.row.version + 1,
                                  updated_at=now, **(extra or {}))
    if outcome.is_final:
        values.update(decided_at=now, decided_by=actor, comment=comment)
    result = await session.execute(
        approvals.update()
        .where(approvals.c.id == loaded.row.id, approvals.c.version == loaded.row.version)
        .where(approvals.c.state == "pending")
        .values(**values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await _record_slots(session, loaded, outcome, now, names or {})
    await _event(session, loaded.row.id, outcome.event, outcome.before.state, after.state, actor, now, comment)
    return True


async def _record_slots(
    session: AsyncSession, loaded: Loaded, outcome: Outcome, now: datetime, names: dict[str, str]
) -> None:
    for row, old, new in zip(loaded.approvers, outcome.before.slots, outcome.after.slots, strict=True):
        if old.decision is None and new.decision is not None:
            await session.execute(
                approval_approvers.update()
                .where(approval_approvers.c.id == row.id, approval_approvers.c.decision.is_(None))
                .values(decision=new.decision, decided_at=now)
            )
        elif old.user != new.user:
            await session.execute(
                approval_approvers.update().where(approval_approvers.c.id == row.id)
                .values(decision=REASSIGNED, decided_at=now)
            )
            await session.execute(
                approval_approvers.insert().values(
                    approval_id=loaded.row.id, step=row.step, user=new.user,
                    name=names.get(new.user), delegated_from=old.user,
                )
            )


async def _event(session: AsyncSession, approval_id: int, event: str, before: str | None, after: str,
                 actor: str, now: datetime, comment: str | None) -> None:
    await session.execute(
        approval_events.insert().values(
            approval_id=approval_id, event=event, from_state=before, to_state=after,
            actor=actor, at=now, comment=comment,
        )
    )


async def history(session: AsyncSession, approval_id: int) -> list[Any]:
    """The audit trail of one request, oldest first."""
    return list(
        (await session.execute(
            sa.select(approval_events).where(approval_events.c.approval_id == approval_id)
            .order_by(approval_events.c.id)
        )).all()
    )


async def waiting_on(session: AsyncSession, user: str, limit: int = 20) -> list[Any]:
    """Pending requests whose current step includes ``user`` undecided."""
    query = (
        sa.select(approvals)
        .join(approval_approvers, approval_approvers.c.approval_id == approvals.c.id)
        .where(approvals.c.state == "pending", approval_approvers.c.user == user)
        .where(approval_approvers.c.decision.is_(None), approval_approvers.c.step == approvals.c.step)
        .order_by(approvals.c.id).limit(limit)
    )
    return list((await session.execute(query)).all())


async def requested_by(session: AsyncSession, user: str, limit: int = 20) -> list[Any]:
    query = (
        sa.select(approvals).where(approvals.c.requester == user)
        .order_by(approvals.c.id.desc()).limit(limit)
    )
    return list((await session.execute(query)).all())


async def due(session: AsyncSession, now: datetime, limit: int = 100) -> list[int]:
    """Pending requests whose expiry or reminder time has come."""
    query = (
        sa.select(approvals.c.id).where(approvals.c.state == "pending")
        .where(sa.or_(approvals.c.expires_at <= now, approvals.c.remind_at <= now))
        .order_by(approvals.c.id).limit(limit)
    )
    return list((await session.execute(query)).scalars().all())


async def bump_reminder(session: AsyncSession, loaded: Loaded, *, now: datetime, next_at: datetime | None) -> bool:
    """Count one reminder (compare-and-set, so two workers never remind twice)."""
    row = loaded.row
    result = await session.execute(
        approvals.update()
        .where(approvals.c.id == row.id, approvals.c.version == row.version, approvals.c.state == "pending")
        .values(version=row.version + 1, reminders_sent=row.reminders_sent + 1, remind_at=next_at, updated_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await _event(session, row.id, "reminded", "pending", "pending", "system", now, None)
    return True
