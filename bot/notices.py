"""Delivers outbox notices through the adapter of their platform.

The posted message's reference is stored under the notice key, so a notice
delivered before a crash is not posted again, and a later notice can update
it in place (``update_of``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.adapters.base import PlatformAdapter
from bot.errors import AdapterError
from bot.models import Notice
from bot.storage import Database
from bot.storage.tables import delivered_messages


class NoticeSender:
    """The outbox deliverer for kind ``notice``."""

    def __init__(self, *, database: Database, adapters: Mapping[str, PlatformAdapter]) -> None:
        self.database = database
        self.adapters = adapters

    async def __call__(self, payload: Mapping[str, Any], key: str) -> None:
        notice = Notice.model_validate(payload)
        adapter = self.adapters.get(notice.to.platform)
        if adapter is None:
            raise AdapterError(f"no adapter for platform {notice.to.platform!r}")
        if await self.reference(notice.key) is not None:
            return
        earlier = await self.reference(notice.update_of) if notice.update_of else None
        if earlier is not None:
            await adapter.update(earlier, notice.reply)
            ref = earlier
        else:
            ref = await adapter.send(notice.to, notice.reply)
        await self._remember(notice, ref)

    async def reference(self, key: str | None) -> dict[str, Any] | None:
        """Where the notice ``key`` was posted, if it was."""
        if not key:
            return None
        async with self.database.sessions() as session:
            ref = await session.scalar(
                sa.select(delivered_messages.c.ref).where(delivered_messages.c.key == key)
            )
        return dict(ref) if ref is not None else None

    async def _remember(self, notice: Notice, ref: dict[str, Any]) -> None:
        try:
            async with self.database.transaction() as session:
                await session.execute(
                    delivered_messages.insert().values(
                        key=notice.key, platform=notice.to.platform, ref=ref,
                        created_at=datetime.now(UTC),
                    )
                )
        except IntegrityError:
            pass
