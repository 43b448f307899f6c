"""Connector tables: approvals and their audit trail, form records, workflow instances.

Revision ID: 0002_connectors
Revises: 0001_core
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_connectors"
down_revision = "0001_core"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "approvals",
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
    )
    op.create_index("ix_approvals_state_requester", "approvals", ["state", "requester"])
    op.create_table(
        "approval_approvers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("approval_id", sa.Integer, nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("user", sa.String(256), nullable=False),
        sa.Column("name", sa.String(256)),
        sa.Column("decision", sa.String(16)),
        sa.Column("decided_at", TS),
        sa.Column("delegated_from", sa.String(256)),
        sa.ForeignKeyConstraint(
            ["approval_id"], ["approvals.id"], ondelete="CASCADE",
            name="fk_approval_approvers_approval_id_approvals",
        ),
    )
    op.create_index("ix_approval_approvers_user", "approval_approvers", ["user", "decision"])
    op.create_index("ix_approval_approvers_approval", "approval_approvers", ["approval_id", "step"])
    op.create_table(
        "approval_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("approval_id", sa.Integer, nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("from_state", sa.String(16)),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("comment", sa.Text),
        sa.ForeignKeyConstraint(
            ["approval_id"], ["approvals.id"], ondelete="CASCADE",
            name="fk_approval_events_approval_id_approvals",
        ),
    )
    op.create_index("ix_approval_events_approval", "approval_events", ["approval_id"])
    op.create_table(
        "records",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("form", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(256), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("idempotency_key", sa.String(512)),
        sa.UniqueConstraint("idempotency_key", name="uq_records_idempotency_key"),
    )
    op.create_index("ix_records_form", "records", ["form", "id"])
    op.create_table(
        "workflow_instances",
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
    )
    op.create_index("ix_workflow_instances_status", "workflow_instances", ["status"])
    op.create_table(
        "workflow_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("instance_id", sa.Integer, nullable=False),
        sa.Column("state", sa.String(128), nullable=False),
        sa.Column("outcome", sa.String(64), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"], ["workflow_instances.id"], ondelete="CASCADE",
            name="fk_workflow_events_instance_id_workflow_instances",
        ),
    )
    op.create_index("ix_workflow_events_instance", "workflow_events", ["instance_id"])


def downgrade() -> None:
    op.drop_index("ix_workflow_events_instance", table_name="workflow_events")
    op.drop_table("workflow_events")
    op.drop_index("ix_workflow_instances_status", table_name="workflow_instances")
    op.drop_table("workflow_instances")
    op.drop_index("ix_records_form", table_name="records")
    op.drop_table("records")
    op.drop_index("ix_approval_events_approval", table_name="approval_events")
    op.drop_table("approval_events")
    op.drop_index("ix_approval_approvers_approval", table_name="approval_approvers")
    op.drop_index("ix_approval_approvers_user", table_name="approval_approvers")
    op.drop_table("approval_approvers")
    op.drop_index("ix_approvals_state_requester", table_name="approvals")
    op.drop_table("approvals")
