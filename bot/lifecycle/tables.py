"""Tables of the model lifecycle (created by migrations ``0007_models`` and ``0009_model_files``)."""

from __future__ import annotations

import sqlalchemy as sa

from bot.storage.tables import NAMING

metadata = sa.MetaData(naming_convention=NAMING)

TS = sa.DateTime(timezone=True)

model_versions = sa.Table(
    "model_versions",
    metadata,
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

model_promotions = sa.Table(
    "model_promotions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("version", sa.String(64)),  # NULL: the configured model again (a rollback past the first promotion)
    sa.Column("previous", sa.String(64)),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("forced", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("eval", sa.JSON),
    sa.Column("at", TS, nullable=False),
)

nlu_feedback = sa.Table(
    "nlu_feedback",
    metadata,
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

model_files = sa.Table(
    "model_files",
    metadata,
    sa.Column("version", sa.String(64), primary_key=True),
    sa.Column("path", sa.String(512), primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
)
"""Each file of a registered version, so a replica without it can write the directory."""

model_file_chunks = sa.Table(
    "model_file_chunks",
    metadata,
    sa.Column("version", sa.String(64), primary_key=True),
    sa.Column("path", sa.String(512), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)
