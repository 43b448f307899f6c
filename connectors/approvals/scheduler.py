"""Scheduled approval work run by the background worker: reminders and expiries."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Notice
from connectors.approvals import cards, machine, store

SYSTEM = "system"


async def run_schedule(session: AsyncSession, *, now: datetime, remind_every: timedelta) -> list[Notice]:
    """Expire overdue requests and remind slow approvers; returns the notices to send.

    Each change is a compare-and-set, so replicas running the same schedule
    produce one transition and one notice per request.
    """
    notices: list[Notice] = []
    for approval_id in await store.due(session, now):
        loaded = await store.load(session, approval_id)
        expires_at = store.aware(loaded.row.expires_at)
        if expires_at is not None and expires_at <= now:
            outcome = machine.expire(loaded.snapshot())
            if await store.apply(session, loaded, outcome, actor=SYSTEM, now=now):
                done = await store.load(session, approval_id)
                notices += [cards.result_notice(done), cards.closed_card_notice(done, card=cards.card_key(done))]
            continue
        count = loaded.row.reminders_sent + 1
        if await store.bump_reminder(session, loaded, now=now, next_at=now + remind_every):
            notices.append(cards.reminder_notice(await store.load(session, approval_id), count))
    return notices
