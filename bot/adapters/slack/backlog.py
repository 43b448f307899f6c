"""A bounded queue of work accepted after acknowledgements, run by a few tasks.

Running every acknowledged request's work at once would let a burst crowd the
event loop, and the next acknowledgements with it. A few workers keep the
number of ready callbacks small, so an ack waits behind little; when the queue
is full the caller answers "busy" instead of letting the backlog grow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger(__name__)

Job = Callable[[], Awaitable[None]]


class Backlog:
    """``offer`` a job; ``workers`` tasks run them in order, at most ``size`` wait."""

    def __init__(self, *, workers: int = 8, size: int = 1000) -> None:
        self.workers = workers
        self.queue: asyncio.Queue[Job] = asyncio.Queue(maxsize=size)
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._run()) for _ in range(self.workers)]

    def offer(self, job: Job) -> bool:
        """Queue ``job``; False when the backlog is full (the caller says "busy")."""
        if not self._tasks:
            self.start()
        try:
            self.queue.put_nowait(job)
        except asyncio.QueueFull:
            return False
        return True

    async def put(self, job: Job) -> None:
        """Queue ``job``, waiting while the backlog is full (back-pressure on the caller)."""
        if not self._tasks:
            self.start()
        await self.queue.put(job)

    @property
    def full(self) -> bool:
        return self.queue.full()

    async def close(self, timeout: float = 10.0) -> None:
        """Finish queued work for up to ``timeout`` seconds, then stop."""
        if self._tasks:
            try:
                await asyncio.wait_for(self.queue.join(), timeout=timeout)
            except TimeoutError:
                log.warning("slack.backlog_abandoned", jobs=self.queue.qsize())
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _run(self) -> None:
        while True:
            job = await self.queue.get()
            try:
                await job()
            except Exception:  # noqa: BLE001 - one job's failure never stops the worker
                log.exception("slack.job_failed")
            finally:
                self.queue.task_done()
