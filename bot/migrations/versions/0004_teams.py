"""Teams: stored conversation references and the people they reach.

Revision ID: 0004_teams
Revises: 0003_slack
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_teams"
down_revision = "0003_slack"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "teams_conversations",
        sa.Column("conversation_id", sa.String(512), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("conversation_type", sa.String(32), nullable=False, server_default=""),
        sa.Column("service_url", sa.String(1024), nullable=False),
        sa.Column("reference", sa.JSON, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "teams_users",
        sa.Column("user", sa.String(256), primary_key=True),
        sa.Column("teams_id", sa.String(256), nullable=False),
        sa.Column("name", sa.String(256)),
        sa.Column("tenant_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("service_url", sa.String(1024), nullable=False),
        sa.Column("personal_conversation_id", sa.String(512)),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_teams_users_teams_id", "teams_users", ["teams_id"])


def downgrade() -> None:
    op.drop_index("ix_teams_users_teams_id", table_name="teams_users")
    op.drop_table("teams_users")
    op.drop_table("teams_conversations")
