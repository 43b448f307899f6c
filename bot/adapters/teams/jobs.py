"""Work accepted after the acknowledgement, bounded so a burst cannot crowd the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger(__name__)

Job = Callable[[], Awaitable[None]]


class Jobs:
    """Runs ``workers`` jobs at a time; with ``limit`` jobs pending, ``offer`` says no ("busy")."""

    def __init__(self, *, workers: int = 8, limit: int = 1000) -> None:
        self.workers = workers
        self.limit = limit
        self._slots: asyncio.Semaphore | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def offer(self, job: Job) -> bool:
        if len(self._tasks) >= self.limit:
            return False
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.workers)
        task = asyncio.get_running_loop().create_task(self._run(job, self._slots))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _run(self, job: Job, slots: asyncio.Semaphore) -> None:
        async with slots:
            try:
                await job()
            except Exception:  # noqa: BLE001 - one failed job must not stop the others
                log.exception("teams.job_failed")

    async def close(self, timeout: float = 10.0) -> None:
        """Let pending work finish for up to ``timeout`` seconds, then cancel the rest."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("teams.jobs_abandoned", jobs=len(pending))
            await asyncio.gather(*pending, return_exceptions=True)
