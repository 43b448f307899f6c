"""Files read and waiting for Enter or Cancel, kept so a click finds them and acts once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.tables import metadata

TS = sa.DateTime(timezone=True)

document_imports = sa.Table(
    "document_imports",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("form", sa.String(64), nullable=False),
    sa.Column("file_name", sa.String(512), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("created_by", sa.String(256), nullable=False),
    sa.Column("origin", sa.JSON, nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("report", sa.Text),
    sa.Column("ready_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rejected_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("entered_count", sa.Integer),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("decided_at", TS),
    sa.Column("decided_by", sa.String(256)),
    sa.Index("ix_document_imports_sha", "form", "sha256", "state"),
)

READY, ENTERED, CANCELLED = "ready", "entered", "cancelled"


@dataclass(frozen=True, kw_only=True)
class Import:
    id: str
    kind: str
    form: str
    file_name: str
    sha256: str
    state: str
    version: int
    created_by: str
    payload: dict[str, Any]
    report: str | None
    ready_count: int
    rejected_count: int
    entered_count: int | None
    decided_by: str | None


async def create(session: AsyncSession, *, kind: str, form: str, file_name: str, sha256: str, created_by: str,
                 origin: dict[str, Any], payload: dict[str, Any], report: str | None, ready: int, rejected: int,
                 now: datetime) -> str:
    import_id = uuid.uuid4().hex
    await session.execute(document_imports.insert().values(
        id=import_id, kind=kind, form=form, file_name=file_name[:512], sha256=sha256, state=READY,
        created_by=created_by, origin=origin, payload=payload, report=report, ready_count=ready,
        rejected_count=rejected, created_at=now))
    return import_id


async def get(session: AsyncSession, import_id: str) -> Import | None:
    row = (await session.execute(sa.select(document_imports).where(document_imports.c.id == import_id))).first()
    if row is None:
        return None
    fields = {k: getattr(row, k) for k in Import.__dataclass_fields__}
    return Import(**fields)


async def decide(session: AsyncSession, item: Import, *, state: str, by: str, now: datetime,
                 entered: int | None = None) -> bool:
    """Compare-and-set from ``ready``: True for the one click that wins, False for any other."""
    result = cast(sa.CursorResult[Any], await session.execute(
        document_imports.update()
        .where(document_imports.c.id == item.id, document_imports.c.state == READY,
               document_imports.c.version == item.version)
        .values(state=state, version=item.version + 1, decided_at=now, decided_by=by, entered_count=entered)))
    return int(result.rowcount) == 1


async def entered_before(session: AsyncSession, *, form: str, sha256: str) -> Import | None:
    """An earlier import of the very same file into the same form that was entered."""
    row = (await session.execute(
        sa.select(document_imports.c.id).where(document_imports.c.form == form, document_imports.c.sha256 == sha256,
                                               document_imports.c.state == ENTERED).limit(1))).first()
    return await get(session, row.id) if row else None
