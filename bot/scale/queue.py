"""The producer side of the task queue: after a commit, enqueue one job per new outbox row."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import structlog
from arq.connections import ArqRedis
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox import SqlOutbox
from bot.scale import QUEUE_NAME

log = structlog.get_logger(__name__)

DELIVER = "deliver_outbox"
_KEYS = "flowdesk_outbox_keys"


def job_id(key: str) -> str:
    """One queued job per outbox row: arq refuses a second job with the same id."""
    return f"outbox:{key}"


def connect(url: str) -> ArqRedis:
    """A lazily connecting arq client (no I/O until the first command)."""
    client: ArqRedis = ArqRedis.from_url(url, socket_connect_timeout=1, socket_timeout=5, health_check_interval=30)
    return client


class TaskQueue:
    """Enqueues outbox deliveries on Redis; a failure only delays them until the next sweep."""

    def __init__(self, *, redis: ArqRedis) -> None:
        self.redis = redis
        self._pending: set[asyncio.Task[None]] = set()

    async def enqueue(self, keys: list[str]) -> int:
        """Enqueue a delivery job per key; returns how many were new."""
        added = 0
        for key in keys:
            job = await self.redis.enqueue_job(DELIVER, key, _job_id=job_id(key), _queue_name=QUEUE_NAME)
            added += job is not None
        return added

    def enqueue_soon(self, keys: list[str]) -> None:
        """Called from a commit hook: enqueue in the background, remembered for a graceful close."""
        task = asyncio.get_running_loop().create_task(self._enqueue_quietly(keys))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _enqueue_quietly(self, keys: list[str]) -> None:
        try:
            await self.enqueue(keys)
        except (RedisError, OSError) as exc:
            log.warning("queue.enqueue_failed", keys=len(keys), error=str(exc),
                        note="the rows stay in the outbox; the next sweep enqueues them")

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait for enqueues started by commits that already happened."""
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=timeout)

    async def close(self) -> None:
        await self.drain()
        await self.redis.aclose()


class QueueingOutbox(SqlOutbox):
    """``SqlOutbox`` that, once the caller's transaction commits, enqueues the rows it added."""

    def __init__(self, *, queue: TaskQueue) -> None:
        self.queue = queue

    async def enqueue(self, session: AsyncSession, *, kind: str, key: str, payload: Mapping[str, Any]) -> bool:
        added = await super().enqueue(session, kind=kind, key=key, payload=payload)
        if added:
            keys = session.info.get(_KEYS)
            if keys is None:
                keys = session.info[_KEYS] = []
                self._hook(session)
            keys.append(key)
        return added

    def _hook(self, session: AsyncSession) -> None:
        sync_session = session.sync_session

        def after_commit(*_: Any) -> None:
            keys = sync_session.info.pop(_KEYS, None)
            if keys:
                self.queue.enqueue_soon(list(keys))

        def after_rollback(*_: Any) -> None:
            if not sync_session.in_transaction():
                sync_session.info.pop(_KEYS, None)

        event.listen(sync_session, "after_commit", after_commit)
        event.listen(sync_session, "after_soft_rollback", after_rollback)
