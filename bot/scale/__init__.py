"""Multi-replica mode: a shared task queue (arq on Redis), shared de-dup and locks.

Turned on by ``FLOWDESK_REDIS_URL``. PostgreSQL stays the source of truth: the
outbox rows are written in the same transaction as the state change; Redis only
carries "deliver this row now" jobs, in-flight delivery locks and schedules, so
losing Redis (a restart without persistence) loses no work: a periodic sweep
re-enqueues every due row.
"""

from __future__ import annotations

KEY_PREFIX = "flowdesk:"
QUEUE_NAME = "flowdesk:queue"
