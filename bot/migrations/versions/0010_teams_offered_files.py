"""Teams: result files offered in a file consent card wait in the database, not on one replica's disk.

Revision ID: 0010_teams_offered_files
Revises: 0009_model_files
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_teams_offered_files"
down_revision = "0009_model_files"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams_offered_files",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user", sa.String(256), nullable=False),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("mime_type", sa.String(255), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_teams_offered_files_offered_at", "teams_offered_files", ["offered_at"])


def downgrade() -> None:
    op.drop_index("ix_teams_offered_files_offered_at", table_name="teams_offered_files")
    op.drop_table("teams_offered_files")
