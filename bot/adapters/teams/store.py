"""Stored conversation references: how the bot reaches a Teams conversation or person later.

Every authenticated activity refreshes the reference of its conversation and
of its sender, so proactive notices (approver's card, requester's result) still
arrive after a restart, and a person can be reached by AAD object id alone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from botbuilder.schema import Activity
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot import dedup
from bot.adapters.teams.convert import conversation_of, reference_of, tenant_of, user_of
from bot.storage import Database
from bot.storage.tables import NAMING, processed_events

metadata = sa.MetaData(naming_convention=NAMING)

conversations = sa.Table(
    "teams_conversations",
    metadata,
    sa.Column("conversation_id", sa.String(512), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False, server_default=""),
    sa.Column("conversation_type", sa.String(32), nullable=False, server_default=""),
    sa.Column("service_url", sa.String(1024), nullable=False),
    sa.Column("reference", sa.JSON, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

users = sa.Table(
    "teams_users",
    metadata,
    sa.Column("user", sa.String(256), primary_key=True),
    sa.Column("teams_id", sa.String(256), nullable=False),
    sa.Column("name", sa.String(256)),
    sa.Column("tenant_id", sa.String(64), nullable=False, server_default=""),
    sa.Column("service_url", sa.String(1024), nullable=False),
    sa.Column("personal_conversation_id", sa.String(512)),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_teams_users_teams_id", "teams_id"),
)

offered_files = sa.Table(
    "teams_offered_files",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("user", sa.String(256), nullable=False),
    sa.Column("name", sa.String(512), nullable=False),
    sa.Column("mime_type", sa.String(255), nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False, index=True),
)
"""Result files offered in a file consent card, waiting for the person's Allow (see ``consent``)."""


class ReferenceStore:
    """Reads and writes the two tables; every write is an upsert."""

    def __init__(self, *, database: Database) -> None:
        self.database = database

    async def remember(self, activity: Activity) -> None:
        """Keep the reference of the activity's conversation and sender (thread suffix dropped)."""
        base, _ = conversation_of(activity)
        kind = str(getattr(activity.conversation, "conversation_type", "") or "")
        reference = reference_of(activity)
        reference["conversation"] = {**reference.get("conversation", {}), "id": base}
        reference.pop("activityId", None)
        now = datetime.now(UTC)
        row = dict(conversation_id=base, tenant_id=tenant_of(activity), conversation_type=kind,
                   service_url=activity.service_url, reference=reference, updated_at=now)
        person = dict(user=user_of(activity), teams_id=activity.from_property.id, name=activity.from_property.name,
                      tenant_id=tenant_of(activity), service_url=activity.service_url, updated_at=now)
        if kind == "personal":
            person["personal_conversation_id"] = base
        async with self.database.transaction() as session:
            await _upsert(session, conversations, row, key="conversation_id")
            await _upsert(session, users, person, key="user")

    async def conversation(self, conversation_id: str) -> dict[str, Any] | None:
        async with self.database.sessions() as session:
            found = await session.scalar(sa.select(conversations.c.reference).where(
                conversations.c.conversation_id == conversation_id.partition(";messageid=")[0]))
        return dict(found) if found is not None else None

    async def person(self, user: str) -> dict[str, Any] | None:
        """What is known about a person (by AAD object id or Teams id)."""
        async with self.database.sessions() as session:
            found = (await session.execute(sa.select(users).where(
                sa.or_(users.c.user == user, users.c.teams_id == user)).limit(1))).mappings().first()
        return dict(found) if found is not None else None

    async def claim(self, key: str) -> bool:
        """True for the first delivery of ``key`` (shared by replicas through the database)."""
        async with self.database.transaction() as session:
            return await dedup.claim(session, key)

    async def release(self, key: str) -> None:
        """Forget a claim whose work failed, so a redelivery is answered."""
        if not key:
            return
        async with self.database.transaction() as session:
            await session.execute(processed_events.delete().where(processed_events.c.key == key))

    async def set_personal(self, user: str, conversation_id: str) -> None:
        async with self.database.transaction() as session:
            await session.execute(users.update().where(users.c.user == user).values(
                personal_conversation_id=conversation_id))


async def _upsert(session: AsyncSession, table: sa.Table, row: dict[str, Any], *, key: str) -> None:
    dialect = session.bind.dialect.name if session.bind is not None else ""
    update = {k: v for k, v in row.items() if k != key}
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table).values(**row).on_conflict_do_update(index_elements=[key], set_=update)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(**row).on_conflict_do_update(index_elements=[key], set_=update)
    else:
        exists = await session.scalar(sa.select(table.c[key]).where(table.c[key] == row[key]))
        stmt = table.update().where(table.c[key] == row[key]).values(**update) if exists else table.insert().values(**row)
    await session.execute(stmt)
