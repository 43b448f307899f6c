"""Console threads (messages, cards, files) in the database, so they outlive a restart.

Revision ID: 0005_console
Revises: 0004_teams
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_console"
down_revision = "0004_teams"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("thread", sa.String(64), nullable=False, server_default=""),
        sa.Column("author", sa.String(256), nullable=False),
        sa.Column("is_bot", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        sa.Column("card", sa.JSON),
        sa.Column("private_to", sa.String(256)),
        sa.Column("parse", sa.JSON),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_console_entries_thread", "console_entries", ["thread", "id"])
    op.create_index("ix_console_entries_updated", "console_entries", ["updated_at"])
    op.create_table(
        "console_files",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.Integer, sa.ForeignKey("console_entries.id", ondelete="CASCADE",
                                                        name="fk_console_files_entry_id_console_entries"),
                  nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("mime_type", sa.String(128), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_console_files_entry", "console_files", ["entry_id"])


def downgrade() -> None:
    op.drop_index("ix_console_files_entry", table_name="console_files")
    op.drop_table("console_files")
    op.drop_index("ix_console_entries_updated", table_name="console_entries")
    op.drop_index("ix_console_entries_thread", table_name="console_entries")
    op.drop_table("console_entries")
