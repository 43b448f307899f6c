"""Prometheus metrics that matter to an operator; served on /metrics."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter("flowdesk_requests_total", "Platform requests received", ["platform", "outcome"])
ACK_LATENCY = Histogram(
    "flowdesk_ack_seconds", "Time to acknowledge a platform request", ["platform"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3),
)
NLU_LATENCY = Histogram(
    "flowdesk_nlu_seconds", "Time to understand one message",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
NLU_CONFIDENCE = Histogram(
    "flowdesk_nlu_confidence", "Confidence of the predicted intent", ["intent"],
    buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0),
)
ACTIONS = Counter("flowdesk_actions_total", "Actions run, by outcome", ["action", "outcome"])
OUTBOX_DELIVERIES = Counter(
    "flowdesk_outbox_deliveries_total", "Outbox delivery attempts", ["kind", "outcome"]
)
OUTBOX_DEPTH = Gauge("flowdesk_outbox_depth", "Outbox rows waiting to be delivered")
OUTBOX_OLDEST_AGE = Gauge("flowdesk_outbox_oldest_age_seconds", "Age of the oldest waiting outbox row")
APPROVALS_PENDING = Gauge("flowdesk_approvals_pending", "Approval requests waiting for a decision")


async def observe_database(database: Any, *, now: datetime | None = None) -> None:
    """Set the outbox and approvals gauges from the database at scrape time.

    Read when /metrics is scraped, so every replica reports them, including web
    replicas that run no worker in the multi-replica mode.
    """
    import sqlalchemy as sa

    from bot.inbox import observe as observe_inbox
    from bot.storage.tables import outbox
    from connectors.tables import approvals

    now = now or datetime.now(UTC)
    async with database.sessions() as session:
        depth, oldest = (
            await session.execute(
                sa.select(sa.func.count(outbox.c.id), sa.func.min(outbox.c.created_at)).where(outbox.c.state == "pending")
            )
        ).one()
        pending = await session.scalar(sa.select(sa.func.count(approvals.c.id)).where(approvals.c.state == "pending"))
    OUTBOX_DEPTH.set(depth or 0)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    OUTBOX_OLDEST_AGE.set(max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
    APPROVALS_PENDING.set(pending or 0)
    await observe_inbox(database, now=now)
