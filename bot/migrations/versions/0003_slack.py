"""Slack: OAuth installations (multi-workspace mode) and OAuth install-flow states.

Revision ID: 0003_slack
Revises: 0002_connectors
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_slack"
down_revision = "0002_connectors"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "slack_installations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("enterprise_id", sa.String(32), nullable=False, server_default=""),
        sa.Column("team_id", sa.String(32), nullable=False, server_default=""),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("is_enterprise_install", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("installed_at", TS, nullable=False),
    )
    op.create_index("ix_slack_installations_workspace", "slack_installations", ["enterprise_id", "team_id"])
    op.create_table(
        "slack_oauth_states",
        sa.Column("state", sa.String(128), primary_key=True),
        sa.Column("expires_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("slack_oauth_states")
    op.drop_index("ix_slack_installations_workspace", table_name="slack_installations")
    op.drop_table("slack_installations")
