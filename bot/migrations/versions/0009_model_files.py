"""Model files in the database, so every replica can serve a promoted version; rollback to the configured model.

``model_files`` lists each file of a registered version (size, SHA-256) and
``model_file_chunks`` holds its bytes in chunks, so a replica that lacks a version's
directory writes it from the database. ``model_promotions.version`` may be NULL: a
rollback past the first promotion serves the configured model again.

Revision ID: 0009_model_files
Revises: 0008_inbox
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_model_files"
down_revision = "0008_inbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_files",
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("path", sa.String(512), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )
    op.create_table(
        "model_file_chunks",
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("path", sa.String(512), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    with op.batch_alter_table("model_promotions") as batch:
        batch.alter_column("version", existing_type=sa.String(64), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM model_promotions WHERE version IS NULL")
    with op.batch_alter_table("model_promotions") as batch:
        batch.alter_column("version", existing_type=sa.String(64), nullable=False)
    op.drop_table("model_file_chunks")
    op.drop_table("model_files")
