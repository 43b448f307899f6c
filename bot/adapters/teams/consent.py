"""Result files (a rejected-rows report) handed to a person in Teams through a file consent card.

A bot cannot attach a file to a Teams message. In a personal chat it can ask to
put one in the person's OneDrive: it sends a ``FileConsentCard``; when the
person clicks Allow, Teams sends a ``fileConsent/invoke`` with an upload URL,
the bot uploads the bytes there and posts a file card that opens them. Until
then the bytes wait in the database (so whichever replica receives the Allow
finds them), under a random id the card carries, for a day at most; only the
person the card was offered to can take them.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import sqlalchemy as sa
import structlog
from botbuilder.schema import Activity, ActivityTypes
from botbuilder.schema import Attachment as CardAttachment

from bot.adapters.teams.store import offered_files
from bot.models import Attachment
from bot.storage import Database

log = structlog.get_logger(__name__)

CONSENT_TYPE = "application/vnd.microsoft.teams.card.file.consent"
INFO_TYPE = "application/vnd.microsoft.teams.card.file.info"
INVOKE = "fileConsent/invoke"
KEEP_FOR = timedelta(days=1)
TIMEOUT = aiohttp.ClientTimeout(total=120, sock_connect=10)
_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")


class ConsentError(Exception):
    """The consent answer cannot be honoured; the message says why, for the person."""


@dataclass(frozen=True)
class Offered:
    """A file waiting for the person's Allow: who may take it and what it is."""

    id: str
    name: str
    mime_type: str
    user: str
    content: bytes


class ConsentFiles:
    """Keeps offered files in the database and uploads one where the person allowed it."""

    def __init__(self, *, database: Database) -> None:
        self.database = database
        self._session: aiohttp.ClientSession | None = None

    async def offer(self, file: Attachment, *, user: str) -> Activity:
        """Store ``file`` for ``user`` and return the consent card asking to put it in their OneDrive."""
        file_id = secrets.token_urlsafe(16)
        content = file.content or b""
        now = datetime.now(UTC)
        async with self.database.sessions.begin() as session:
            await session.execute(offered_files.delete().where(offered_files.c.offered_at < now - KEEP_FOR))
            await session.execute(offered_files.insert().values(
                id=file_id, user=user, name=file.name[:512], mime_type=file.mime_type[:255], content=content,
                offered_at=now))
        context = {"file": file_id}
        card = CardAttachment(content_type=CONSENT_TYPE, name=file.name, content={
            "description": f"{file.name}: flowdesk made this file for you. Allow to save it in your OneDrive.",
            "sizeInBytes": len(content), "acceptContext": context, "declineContext": context})
        return Activity(type=ActivityTypes.message, attachments=[card])

    async def take(self, context: Any, *, user: str) -> Offered:
        """The file a consent answer names, if ``user`` is the person it was offered to."""
        file_id = context.get("file") if isinstance(context, dict) else None
        if not isinstance(file_id, str) or not _ID.match(file_id):
            raise ConsentError("That file card isn't one of flowdesk's.")
        async with self.database.sessions() as session:
            row = (await session.execute(sa.select(offered_files).where(
                offered_files.c.id == file_id,
                offered_files.c.offered_at >= datetime.now(UTC) - KEEP_FOR))).first()
        if row is None:
            raise ConsentError("That file is no longer available; ask me for it again.")
        if row.user != user:
            raise ConsentError("That file was made for someone else.")
        return Offered(id=file_id, name=row.name, mime_type=row.mime_type, user=user, content=bytes(row.content))

    async def forget(self, file_id: str) -> None:
        async with self.database.sessions.begin() as session:
            await session.execute(offered_files.delete().where(offered_files.c.id == file_id))

    async def upload(self, offered: Offered, upload_info: Any) -> Activity:
        """Put the bytes at the OneDrive upload URL Teams gave; returns the file card to post."""
        info = upload_info if isinstance(upload_info, dict) else {}
        url, content_url = info.get("uploadUrl"), info.get("contentUrl")
        if not (isinstance(url, str) and url.startswith("https://") and isinstance(content_url, str)):
            raise ConsentError("Teams did not give me a place to upload the file; try again.")
        size = len(offered.content)
        headers = {"Content-Length": str(size), "Content-Range": f"bytes 0-{max(size - 1, 0)}/{size}"}
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        try:
            async with self._session.put(url, data=offered.content, headers=headers) as response:
                if response.status not in (200, 201):
                    raise ConsentError(f"OneDrive refused the file (HTTP {response.status}); try again.")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ConsentError(f"The upload to OneDrive failed ({type(exc).__name__}); try again.") from None
        await self.forget(offered.id)
        card = CardAttachment(content_type=INFO_TYPE, content_url=content_url,
                              name=str(info.get("name") or offered.name),
                              content={"uniqueId": info.get("uniqueId"), "fileType": info.get("fileType")})
        return Activity(type=ActivityTypes.message, attachments=[card])

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
