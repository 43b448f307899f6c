"""Which Slack deliveries this deployment has taken on, so a retried one is not answered twice.

Slack retries an event it thinks was lost (``X-Slack-Retry-Num``), and bolt runs
the listener again. The first replica to claim an ``event_id`` answers it; the
claim lives in Redis when it is configured (shared by every replica, expires
with Slack's retry window), otherwise in the database's de-dup table. A
delivery whose processing fails is released, so Slack's next retry is answered.
State changes are de-duplicated a second time, in their own transaction, by
the pipeline.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Protocol

from bot import dedup
from bot.storage import Database
from bot.storage.tables import processed_events

KEEP_FOR = timedelta(days=2)


class Ledger(Protocol):
    async def claim(self, key: str) -> bool:
        """True for the first claim of ``key``; False if any replica claimed it."""
        ...

    async def release(self, key: str) -> None:
        ...

    async def close(self) -> None:
        ...


class DatabaseLedger:
    """Claims in the ``processed_events`` table (shared by replicas through the database)."""

    def __init__(self, *, database: Database) -> None:
        self.database = database

    async def claim(self, key: str) -> bool:
        async with self.database.transaction() as session:
            return await dedup.claim(session, key)

    async def release(self, key: str) -> None:
        async with self.database.transaction() as session:
            await session.execute(processed_events.delete().where(processed_events.c.key == key))

    async def close(self) -> None:
        pass


class RedisLedger:
    """``SET key NX EX`` in Redis: one round trip, shared by every replica."""

    def __init__(self, *, url: str, prefix: str = "flowdesk:") -> None:
        import redis.asyncio as redis

        self.redis: Any = redis.from_url(url)
        self.prefix = prefix

    async def claim(self, key: str) -> bool:
        ttl = int(KEEP_FOR.total_seconds())
        return bool(await self.redis.set(self.prefix + key, b"1", nx=True, ex=ttl))

    async def release(self, key: str) -> None:
        await self.redis.delete(self.prefix + key)

    async def close(self) -> None:
        await self.redis.aclose()


def make_ledger(*, redis_url: str | None, database: Database) -> Ledger:
    """Redis when configured, else the database."""
    if redis_url:
        return RedisLedger(url=redis_url)
    return DatabaseLedger(database=database)

