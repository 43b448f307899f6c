"""Multi-workspace OAuth: installations and OAuth states kept in flowdesk's database.

Bolt's default stores are files in the home directory, which replicas do not
share; these implement slack_sdk's async store interfaces on our tables
(migration ``0003_slack``).
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.storage import Database

metadata = sa.MetaData()

slack_installations = sa.Table(
    "slack_installations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("enterprise_id", sa.String(32), nullable=False, server_default=""),
    sa.Column("team_id", sa.String(32), nullable=False, server_default=""),
    sa.Column("user_id", sa.String(32), nullable=False),
    sa.Column("is_enterprise_install", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
)

slack_oauth_states = sa.Table(
    "slack_oauth_states",
    metadata,
    sa.Column("state", sa.String(128), primary_key=True),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)

log = logging.getLogger(__name__)


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()}


class SqlInstallationStore(AsyncInstallationStore):
    """One row per installation (workspace or org, and installing user); the newest wins."""

    def __init__(self, *, database: Database) -> None:
        self.database = database

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        data = _jsonable(installation.to_dict_for_copying())
        async with self.database.transaction() as session:
            await session.execute(slack_installations.insert().values(
                enterprise_id=installation.enterprise_id or "", team_id=installation.team_id or "",
                user_id=installation.user_id, is_enterprise_install=bool(installation.is_enterprise_install),
                data=data, installed_at=datetime.now(UTC),
            ))

    async def async_save_bot(self, bot: Bot) -> None:
        """Bots are saved as part of their installation (``async_save``)."""

    async def async_find_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        query = self._where(enterprise_id, team_id, is_enterprise_install)
        if user_id is not None:
            query = query.where(slack_installations.c.user_id == user_id)
        async with self.database.sessions() as session:
            data = await session.scalar(query.order_by(slack_installations.c.id.desc()).limit(1))
        return Installation(**data) if data is not None else None

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        installation = await self.async_find_installation(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install)
        if installation is None or not installation.bot_token:
            return None
        return installation.to_bot()

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_installation(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None,
    ) -> None:
        where = [slack_installations.c.enterprise_id == (enterprise_id or "")]
        if team_id:
            where.append(slack_installations.c.team_id == team_id)
        if user_id is not None:
            where.append(slack_installations.c.user_id == user_id)
        async with self.database.transaction() as session:
            await session.execute(slack_installations.delete().where(*where))

    @staticmethod
    def _where(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> Any:
        query = sa.select(slack_installations.c.data).where(
            slack_installations.c.enterprise_id == (enterprise_id or ""))
        if not is_enterprise_install:
            query = query.where(slack_installations.c.team_id == (team_id or ""))
        return query


class SqlOAuthStateStore(AsyncOAuthStateStore):
    """The ``state`` of an install flow, usable once and within ``expiration_seconds``, on any replica."""

    def __init__(self, *, database: Database, expiration_seconds: int = 600) -> None:
        self.database = database
        self.expiration = timedelta(seconds=expiration_seconds)

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        async with self.database.transaction() as session:
            await session.execute(slack_oauth_states.insert().values(
                state=state, expires_at=datetime.now(UTC) + self.expiration))
        return state

    async def async_consume(self, state: str) -> bool:
        now = datetime.now(UTC)
        async with self.database.transaction() as session:
            expires = await session.scalar(
                sa.select(slack_oauth_states.c.expires_at).where(slack_oauth_states.c.state == state))
            deleted = await session.execute(slack_oauth_states.delete().where(slack_oauth_states.c.state == state))
            await session.execute(slack_oauth_states.delete().where(slack_oauth_states.c.expires_at < now))
        if expires is None or deleted.rowcount != 1:  # type: ignore[attr-defined]
            return False
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
        return bool(expires > now)
