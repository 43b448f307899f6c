"""The background worker: performs outbox rows and runs connectors' scheduled work.

Runs inside ``flowdesk serve`` by default, or alone as ``flowdesk worker``.
Rows are claimed with a compare-and-set lease, so several workers (replicas)
never perform the same row at the same time; a worker that dies mid-delivery
leaves a lease that expires and the row is retried.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import structlog

from bot.metrics import OUTBOX_DELIVERIES, OUTBOX_DEPTH, OUTBOX_OLDEST_AGE
from bot.outbox import utcnow
from bot.storage import Database
from bot.storage.tables import outbox

Deliver = Callable[[Mapping[str, Any], str], Awaitable[None]]
Tick = Callable[[datetime], Awaitable[None]]

log = structlog.get_logger(__name__)

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 15
BATCH = 20


def backoff(attempts: int) -> timedelta:
    """Exponential backoff: 2 s, 4 s, 8 s ... capped at 10 minutes."""
    return timedelta(seconds=min(600, 2 ** max(1, attempts)))


class OutboxWorker:
    """Delivers due outbox rows with the deliverer registered for their kind."""

    def __init__(
        self,
        *,
        database: Database,
        deliverers: Mapping[str, Deliver],
        ticks: tuple[Tick, ...] = (),
        poll_interval: float = 1.0,
        tick_interval: float = 30.0,
    ) -> None:
        self.database = database
        self.deliverers = dict(deliverers)
        self.ticks = ticks
        self.poll_interval = poll_interval
        self.tick_interval = tick_interval
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()

    def wake(self) -> None:
        """Ask for a delivery round now (new rows were committed)."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        """Deliver until stopped; one failing round never ends the loop."""
        last_tick = 0.0
        loop = asyncio.get_running_loop()
        while not self._stopping.is_set():
            try:
                await self.run_once()
                if self.ticks and loop.time() - last_tick >= self.tick_interval:
                    last_tick = loop.time()
                    await self.run_ticks()
            except Exception:  # noqa: BLE001 - keep the worker alive; the error is logged
                log.exception("worker.round_failed")
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
            except TimeoutError:
                pass

    async def run_ticks(self) -> None:
        now = utcnow()
        for tick in self.ticks:
            try:
                await tick(now)
            except Exception:  # noqa: BLE001 - one connector's schedule must not stop others
                log.exception("worker.tick_failed", tick=getattr(tick, "__qualname__", repr(tick)))

    async def run_once(self, now: datetime | None = None) -> int:
        """Claim and deliver the due rows; returns how many were delivered."""
        now = now or utcnow()
        delivered = 0
        for row in await self._claim(now):
            if await self._deliver(row):
                delivered += 1
        await self._observe(now)
        return delivered

    async def due_keys(self, now: datetime | None = None, *, limit: int = 500) -> list[str]:
        """Keys of rows that are due and not leased (the queue's sweep re-enqueues them)."""
        now = now or utcnow()
        async with self.database.sessions() as session:
            keys = (
                await session.execute(
                    sa.select(outbox.c.key)
                    .where(outbox.c.state == "pending", outbox.c.next_attempt_at <= now)
                    .where(sa.or_(outbox.c.locked_until.is_(None), outbox.c.locked_until < now))
                    .order_by(outbox.c.id)
                    .limit(limit)
                )
            ).scalars().all()
        return list(keys)

    async def deliver_key(self, key: str, now: datetime | None = None) -> bool:
        """Claim the row ``key`` with the same lease as a round, and deliver it (queue jobs).

        Returns False when the row is not due, already sent, or leased by another worker.
        """
        now = now or utcnow()
        async with self.database.transaction() as session:
            result = await session.execute(
                outbox.update()
                .where(outbox.c.key == key, outbox.c.state == "pending", outbox.c.next_attempt_at <= now)
                .where(sa.or_(outbox.c.locked_until.is_(None), outbox.c.locked_until < now))
                .values(locked_until=now + LEASE)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return False
            row = (await session.execute(sa.select(outbox).where(outbox.c.key == key))).one()
        return await self._deliver(row)

    async def _claim(self, now: datetime) -> list[Any]:
        async with self.database.transaction() as session:
            due = (
                await session.execute(
                    sa.select(outbox.c.id)
                    .where(outbox.c.state == "pending", outbox.c.next_attempt_at <= now)
                    .where(sa.or_(outbox.c.locked_until.is_(None), outbox.c.locked_until < now))
                    .order_by(outbox.c.id)
                    .limit(BATCH)
                )
            ).scalars().all()
        claimed = []
        for row_id in due:
            async with self.database.transaction() as session:
                result = await session.execute(
                    outbox.update()
                    .where(outbox.c.id == row_id, outbox.c.state == "pending")
                    .where(sa.or_(outbox.c.locked_until.is_(None), outbox.c.locked_until < now))
                    .values(locked_until=now + LEASE)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    row = (await session.execute(sa.select(outbox).where(outbox.c.id == row_id))).one()
                    claimed.append(row)
        return claimed

    async def _deliver(self, row: Any) -> bool:
        deliver = self.deliverers.get(row.kind)
        error: str | None = None
        if deliver is None:
            error = f"no deliverer for outbox kind {row.kind!r}"
        else:
            try:
                await deliver(row.payload, row.key)
            except Exception as exc:  # noqa: BLE001 - any failure is retried with backoff
                error = f"{type(exc).__name__}: {exc}"
        await self._record(row, error)
        OUTBOX_DELIVERIES.labels(kind=row.kind, outcome="sent" if error is None else "retry").inc()
        if error is not None:
            log.warning("outbox.delivery_failed", kind=row.kind, key=row.key, error=error)
        return error is None

    async def _record(self, row: Any, error: str | None) -> None:
        now = utcnow()
        if error is None:
            values: dict[str, Any] = dict(state="sent", sent_at=now, locked_until=None, last_error=None)
        else:
            attempts = row.attempts + 1
            values = dict(
                attempts=attempts, last_error=error[:2000], locked_until=None,
                next_attempt_at=now + backoff(attempts),
                state="dead" if attempts >= MAX_ATTEMPTS else "pending",
            )
        async with self.database.transaction() as session:
            await session.execute(outbox.update().where(outbox.c.id == row.id).values(**values))

    async def _observe(self, now: datetime) -> None:
        async with self.database.sessions() as session:
            depth, oldest = (
                await session.execute(
                    sa.select(sa.func.count(outbox.c.id), sa.func.min(outbox.c.created_at))
                    .where(outbox.c.state == "pending")
                )
            ).one()
        OUTBOX_DEPTH.set(depth or 0)
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=now.tzinfo)
        OUTBOX_OLDEST_AGE.set((now - oldest).total_seconds() if oldest else 0.0)
