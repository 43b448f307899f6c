"""The consumer side: ``flowdesk worker`` as an arq worker, supervised and stopped gracefully.

Jobs: ``deliver_outbox(key)`` delivers one outbox row (claimed with the
outbox's compare-and-set lease, so a job that runs twice delivers once);
``sweep_outbox`` re-enqueues due rows that have no job (a web replica died
between commit and enqueue, Redis was restarted, a retry's backoff ended);
``run_schedules`` runs the connectors' reminders and expiries. The two
schedules are arq cron jobs, unique per time slot across all workers.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import structlog
from arq import cron
from arq.connections import RedisSettings, create_pool
from arq.worker import Worker
from redis.exceptions import RedisError

from bot.scale import QUEUE_NAME
from bot.scale.queue import DELIVER, TaskQueue
from bot.worker import OutboxWorker

log = structlog.get_logger(__name__)

SWEEP_EVERY_S = 2
SCHEDULES_EVERY_S = 30
GRACE_S = 20.0
POLL_DELAY_S = 0.05
MAX_JOBS = 20
RECONNECT_S = 1.0


async def deliver_outbox(ctx: dict[str, Any], key: str) -> bool:
    """Deliver the outbox row ``key``; a failure is recorded on the row with its backoff."""
    outbox: OutboxWorker = ctx["outbox"]
    return await outbox.deliver_key(key)


async def sweep_outbox(ctx: dict[str, Any]) -> int:
    """Enqueue every due row; arq skips those whose job is already queued or running."""
    outbox: OutboxWorker = ctx["outbox"]
    keys = await outbox.due_keys()
    added = await TaskQueue(redis=ctx["redis"]).enqueue(keys) if keys else 0
    if added:
        log.info("queue.swept", enqueued=added)
    return added


async def run_schedules(ctx: dict[str, Any]) -> int:
    """Reminders and expiries, then deliver what they queued."""
    outbox: OutboxWorker = ctx["outbox"]
    await outbox.run_ticks()
    return await sweep_outbox(ctx)


def build_worker(outbox: OutboxWorker, redis_url: str, *, pool: Any) -> Worker:
    """An arq worker for the flowdesk queue that leaves signals to the caller."""
    deliver = _named(deliver_outbox, DELIVER)
    return Worker(
        functions=[deliver],
        cron_jobs=[
            cron(sweep_outbox, second=set(range(0, 60, SWEEP_EVERY_S)), unique=True, run_at_startup=True,
                 keep_result=0),
            cron(run_schedules, second=set(range(0, 60, SCHEDULES_EVERY_S)), unique=True, keep_result=0),
        ],
        redis_pool=pool, redis_settings=RedisSettings.from_dsn(redis_url), queue_name=QUEUE_NAME,
        ctx={"outbox": outbox}, handle_signals=False, keep_result=0, max_jobs=MAX_JOBS,
        job_timeout=120, poll_delay=POLL_DELAY_S, max_tries=1000, log_results=False,
    )


def _named(function: Any, name: str) -> Any:
    from arq.worker import func

    return func(function, name=name, keep_result=0)


async def run_queue_worker(outbox: OutboxWorker, redis_url: str, *, stop: asyncio.Event) -> None:
    """Run arq workers until ``stop``; a lost Redis connection starts a new one after a pause.

    On ``stop`` the worker takes no new jobs, lets running ones finish (up to
    ``GRACE_S``) and leaves the rest queued in Redis and pending in the outbox.
    """
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        logging.getLogger("arq").setLevel(logging.WARNING)  # a line per job every 2 s drowns the log
    while not stop.is_set():
        try:
            pool = await create_pool(RedisSettings.from_dsn(redis_url), default_queue_name=QUEUE_NAME)
        except (RedisError, OSError) as exc:
            log.warning("worker.redis_unavailable", error=str(exc))
            await _pause(stop)
            continue
        worker = build_worker(outbox, redis_url, pool=pool)
        main = asyncio.create_task(worker.async_run())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({main, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if stop.is_set():
            await _finish(worker)
            main.cancel()
            break
        log.warning("worker.queue_lost", error=repr(main.exception()) if not main.cancelled() else "")
        await _finish(worker)
        await _pause(stop)


async def _finish(worker: Worker) -> None:
    worker.allow_pick_jobs = False
    running = [task for task in worker.tasks.values() if not task.done()]
    if running:
        log.info("worker.draining", jobs=len(running))
        await asyncio.wait(running, timeout=GRACE_S)
    await _abandon(worker)


async def _abandon(worker: Worker) -> None:
    pool = worker.pool
    try:
        await worker.close()
    except (RedisError, OSError, asyncio.CancelledError) as exc:
        log.info("worker.closed_uncleanly", error=repr(exc))
        try:
            await pool.aclose(close_connection_pool=True)
        except (RedisError, OSError):
            pass


async def _pause(stop: asyncio.Event) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=RECONNECT_S)
    except TimeoutError:
        pass
