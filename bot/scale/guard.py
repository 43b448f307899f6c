"""De-dup shared in Redis: one replica at a time handles a delivery a platform may send twice.

The database still records each processed key in the transaction of its state
change (``bot.dedup``); the Redis key only stops a retry that reaches another
replica while the first delivery is still being handled (Slack retries after
3 s), and answers later retries without a database round trip or an NLU call.
When Redis is unreachable the guard steps aside and the database decides alone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.dispatch import Dispatcher
from bot.models import Interaction, Message, Reply
from bot.scale import KEY_PREFIX

log = structlog.get_logger(__name__)

IN_FLIGHT_MS = 10_000
DONE_SECONDS = 2 * 24 * 3600


class DeliveryGuard:
    """``SET NX`` on the delivery key while it is handled, then kept as "done" for two days."""

    def __init__(self, *, redis: Redis) -> None:
        self.redis = redis

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[bool]:
        """Yields False when another replica has (or is) handling ``key``."""
        name = f"{KEY_PREFIX}delivery:{key}"
        try:
            first = not key or bool(await self.redis.set(name, "busy", nx=True, px=IN_FLIGHT_MS))
        except (RedisError, OSError) as exc:
            log.warning("dedup.redis_unavailable", error=str(exc))
            yield True
            return
        if not key or not first:
            yield first
            return
        try:
            yield True
        except BaseException:
            await self._forget(name)
            raise
        await self._settle(name)

    async def _forget(self, name: str) -> None:
        try:
            await self.redis.delete(name)
        except (RedisError, OSError):
            pass  # the in-flight mark expires by itself

    async def _settle(self, name: str) -> None:
        try:
            await self.redis.set(name, "done", ex=DONE_SECONDS, xx=True)
        except (RedisError, OSError):
            pass  # the database key still answers later retries


class GuardedDispatcher(Dispatcher):
    """The pipeline behind a ``DeliveryGuard``; otherwise the same as ``Dispatcher``."""

    def __init__(self, *, guard: DeliveryGuard, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.guard = guard

    async def handle_message(self, message: Message, *, delivery_key: str = "") -> Reply | None:
        async with self.guard.hold(delivery_key) as first:
            if not first:
                return None
            return await super().handle_message(message, delivery_key=delivery_key)

    async def handle_interaction(self, interaction: Interaction) -> Reply | None:
        async with self.guard.hold(interaction.delivery_id) as first:
            if not first:
                return None
            return await super().handle_interaction(interaction)
