"""The console's tables: every message, card and file of its threads, so they outlive a restart.

Approvals and pending previews live in the database; keeping the console's
threads there too means their cards (and buttons) are still there after
``flowdesk serve`` restarts, and a separate ``flowdesk worker`` can post into them.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.storage.tables import NAMING

metadata = sa.MetaData(naming_convention=NAMING)

console_entries = sa.Table(
    "console_entries",
    metadata,
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
    sa.Index("ix_console_entries_thread", "thread", "id"),
    sa.Index("ix_console_entries_updated", "updated_at"),
)

console_files = sa.Table(
    "console_files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("entry_id", sa.Integer, sa.ForeignKey("console_entries.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("mime_type", sa.String(128), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Index("ix_console_files_entry", "entry_id"),
)
