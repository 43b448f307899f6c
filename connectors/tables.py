"""Connector tables: approvals with their audit trail, form records, workflow instances.

Every mutable row carries a ``version`` so decisions are compare-and-set
(``UPDATE ... WHERE id = :id AND version = :v``) and concurrent clicks make one transition.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.storage.tables import NAMING

metadata = sa.MetaData(naming_convention=NAMING)

TS = sa.DateTime(timezone=True)

approvals = sa.Table(
    "approvals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("amount", sa.Numeric(18, 2)),
    sa.Column("currency", sa.String(3)),
    sa.Column("reason", sa.Text),
    sa.Column("mode", sa.String(8), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("step", sa.Integer, nullable=False, server_default="0"),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("requester", sa.String(256), nullable=False),
    sa.Column("requester_actor", sa.JSON, nullable=False),
    sa.Column("origin", sa.JSON, nullable=False),
    sa.Column("callback", sa.JSON),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.Column("expires_at", TS),
    sa.Column("remind_at", TS),
    sa.Column("reminders_sent", sa.Integer, nullable=False, server_default="0"),
    sa.Column("decided_at", TS),
    sa.Column("decided_by", sa.String(256)),
    sa.Column("comment", sa.Text),
    sa.Index("ix_approvals_state_requester", "state", "requester"),
)

approval_approvers = sa.Table(
    "approval_approvers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("approval_id", sa.Integer, sa.ForeignKey("approvals.id", ondelete="CASCADE"), nullable=False),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("user", sa.String(256), nullable=False),
    sa.Column("name", sa.String(256)),
    sa.Column("decision", sa.String(16)),
    sa.Column("decided_at", TS),
    sa.Column("delegated_from", sa.String(256)),
    sa.Index("ix_approval_approvers_user", "user", "decision"),
    sa.Index("ix_approval_approvers_approval", "approval_id", "step"),
)

approval_events = sa.Table(
    "approval_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("approval_id", sa.Integer, sa.ForeignKey("approvals.id", ondelete="CASCADE"), nullable=False),
    sa.Column("event", sa.String(16), nullable=False),
    sa.Column("from_state", sa.String(16)),
    sa.Column("to_state", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(256), nullable=False),
    sa.Column("at", TS, nullable=False),
    sa.Column("comment", sa.Text),
    sa.Index("ix_approval_events_approval", "approval_id"),
)

records = sa.Table(
    "records",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("form", sa.String(64), nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("created_by", sa.String(256), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("idempotency_key", sa.String(512), unique=True),
    sa.Index("ix_records_form", "form", "id"),
)

workflow_instances = sa.Table(
    "workflow_instances",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("workflow", sa.String(128), nullable=False),
    sa.Column("state", sa.String(128), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("waiting_on", sa.String(128)),
    sa.Column("context", sa.JSON, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("actor", sa.JSON, nullable=False),
    sa.Column("origin", sa.JSON, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.Index("ix_workflow_instances_status", "status"),
)

workflow_events = sa.Table(
    "workflow_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("instance_id", sa.Integer, sa.ForeignKey("workflow_instances.id", ondelete="CASCADE"), nullable=False),
    sa.Column("state", sa.String(128), nullable=False),
    sa.Column("outcome", sa.String(64), nullable=False),
    sa.Column("detail", sa.JSON, nullable=False),
    sa.Column("at", TS, nullable=False),
    sa.Index("ix_workflow_events_instance", "instance_id"),
)
