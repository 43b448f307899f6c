"""Prometheus metrics that matter to an operator; served on /metrics."""

from __future__ import annotations

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
