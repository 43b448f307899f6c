"""The web replica's part of the multi-replica mode: a guarded pipeline that enqueues on commit."""

from __future__ import annotations

from typing import Any

from bot.scale.guard import DeliveryGuard, GuardedDispatcher
from bot.scale.queue import QueueingOutbox, TaskQueue, connect


class ScaleOut:
    """Redis clients shared by one process: the task queue producer and the de-dup guard."""

    def __init__(self, *, redis_url: str) -> None:
        self.redis_url = redis_url
        self.redis = connect(redis_url)
        self.queue = TaskQueue(redis=self.redis)
        self.guard = DeliveryGuard(redis=self.redis)

    def dispatcher(self, **options: Any) -> GuardedDispatcher:
        """The pipeline whose outbox rows are enqueued once their transaction commits."""
        dispatcher = GuardedDispatcher(guard=self.guard, **options)
        dispatcher.outbox = QueueingOutbox(queue=self.queue)
        return dispatcher

    async def close(self) -> None:
        """Finish the enqueues of committed work, then disconnect."""
        await self.queue.close()
