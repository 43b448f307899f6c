"""The console's side panel: pending approvals, recent records and the local mail folder.

Read-only views of what the connectors stored. They list everyone's items (the
console plays every user), so they read the tables directly instead of running
``approval.list`` or ``record.query``, which answer for one user or one form.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bot.storage import Database
from connectors.approvals.models import to_ref
from connectors.tables import approval_approvers, approvals, records

LIMIT = 20
MAX_BODY = 4000


async def pending_approvals(database: Database, *, limit: int = LIMIT) -> list[dict[str, Any]]:
    """Open requests, newest first, with who they wait on."""
    waiting = (
        sa.select(approval_approvers.c.approval_id, approval_approvers.c.user, approval_approvers.c.name)
        .join(approvals, approvals.c.id == approval_approvers.c.approval_id)
        .where(approvals.c.state == "pending", approval_approvers.c.step == approvals.c.step,
               approval_approvers.c.decision.is_(None))
    )
    async with database.sessions() as session:
        rows = (await session.execute(
            sa.select(approvals).where(approvals.c.state == "pending").order_by(approvals.c.id.desc()).limit(limit)
        )).all()
        people = (await session.execute(waiting.where(approvals.c.id.in_([r.id for r in rows])))).all() if rows else []
    names: dict[int, list[str]] = {}
    for person in people:
        names.setdefault(person.approval_id, []).append(person.name or person.user)
    return [
        {"ref": to_ref(r.id), "subject": r.subject, "requester": (r.requester_actor or {}).get("name") or r.requester,
         "amount": _amount(r), "waiting_on": names.get(r.id, []), "at": _iso(r.created_at)}
        for r in rows
    ]


async def recent_records(database: Database, *, limit: int = LIMIT) -> list[dict[str, Any]]:
    """The latest records entered in any form."""
    async with database.sessions() as session:
        rows = (await session.execute(sa.select(records).order_by(records.c.id.desc()).limit(limit))).all()
    return [{"id": r.id, "form": r.form, "data": r.data, "by": r.created_by, "at": _iso(r.created_at)} for r in rows]


async def mail_folder(folder: Path | None, *, limit: int = LIMIT) -> list[dict[str, Any]]:
    """The newest mails written to the local folder (what would have been sent)."""
    if folder is None:
        return []
    return await asyncio.to_thread(_read_folder, folder, limit)


async def signature(database: Database, folder: Path | None) -> tuple[Any, ...]:
    """Changes whenever the panel would show something else."""
    async with database.sessions() as session:
        left = (await session.execute(sa.select(sa.func.count(), sa.func.max(approvals.c.updated_at)))).one()
        right = (await session.execute(sa.select(sa.func.count(), sa.func.max(records.c.id)))).one()
    return (*left, *right, *(await asyncio.to_thread(_folder_signature, folder)))


def _read_folder(folder: Path, limit: int) -> list[dict[str, Any]]:
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)[:limit]
    parser = BytesParser(policy=policy.default)
    mails = []
    for path in files:
        with path.open("rb") as handle:
            message = parser.parse(handle)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        mails.append({
            "file": path.name, "from": str(message["From"] or ""), "to": str(message["To"] or ""),
            "subject": str(message["Subject"] or ""), "date": str(message["Date"] or ""),
            "text": text[:MAX_BODY],
        })
    return mails


def _folder_signature(folder: Path | None) -> tuple[int, float]:
    if folder is None or not folder.is_dir():
        return (0, 0.0)
    stats = [p.stat().st_mtime for p in folder.glob("*.eml")]
    return (len(stats), max(stats, default=0.0))


def _amount(row: Any) -> str:
    if row.amount is None:
        return ""
    return f"{row.amount:,.2f} {row.currency or ''}".strip()


def _iso(value: datetime | None) -> str:
    if value is None:
        return ""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat(timespec="seconds")
