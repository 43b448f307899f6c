"""Model lifecycle: registered model versions, promotions and chat feedback.

Revision ID: 0007_models
Revises: 0006_documents
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_models"
down_revision = "0006_documents"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "model_versions",
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("path", sa.String(1024), nullable=False),
        sa.Column("data_sha256", sa.String(64)),
        sa.Column("parent", sa.String(64)),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("metrics", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("registered_at", TS, nullable=False),
    )
    op.create_table(
        "model_promotions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("previous", sa.String(64)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("forced", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("eval", sa.JSON),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "nlu_feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("conversation_key", sa.String(512), nullable=False),
        sa.Column("user", sa.String(256), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("intent", sa.String(128), nullable=False),
        sa.Column("args", sa.JSON, nullable=False),
        sa.Column("model_version", sa.String(64)),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_nlu_feedback_open", "nlu_feedback", ["conversation_key", "state"])


def downgrade() -> None:
    op.drop_index("ix_nlu_feedback_open", table_name="nlu_feedback")
    op.drop_table("nlu_feedback")
    op.drop_table("model_promotions")
    op.drop_table("model_versions")
