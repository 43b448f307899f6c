"""Result files (a rejected-rows report) handed to a person in Teams through a file consent card.

A bot cannot attach a file to a Teams message. In a personal chat it can ask to
put one in the person's OneDrive: it sends a ``FileConsentCard``; when the
person clicks Allow, Teams sends a ``fileConsent/invoke`` with an upload URL,
the bot uploads the bytes there and posts a file card that opens them. Until
then the bytes wait in the data folder, under a random id the card carries,
for a day at most; only the person the card was offered to can take them.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import structlog
from botbuilder.schema import Activity, ActivityTypes
from botbuilder.schema import Attachment as CardAttachment

from bot.models import Attachment

log = structlog.get_logger(__name__)

CONSENT_TYPE = "application/vnd.microsoft.teams.card.file.consent"
INFO_TYPE = "application/vnd.microsoft.teams.card.file.info"
INVOKE = "fileConsent/invoke"
KEEP_FOR = 24 * 3600
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
    """Keeps offered files on disk and uploads one where the person allowed it."""

    def __init__(self, *, folder: Path) -> None:
        self.folder = folder
        self._session: aiohttp.ClientSession | None = None

    def offer(self, file: Attachment, *, user: str) -> Activity:
        """Store ``file`` for ``user`` and return the consent card asking to put it in their OneDrive."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._forget_old()
        file_id = secrets.token_urlsafe(16)
        content = file.content or b""
        (self.folder / f"{file_id}.bin").write_bytes(content)
        meta = {"name": file.name, "mime_type": file.mime_type, "user": user, "at": time.time()}
        (self.folder / f"{file_id}.json").write_text(json.dumps(meta), encoding="utf-8")
        context = {"file": file_id}
        card = CardAttachment(content_type=CONSENT_TYPE, name=file.name, content={
            "description": f"{file.name}: flowdesk made this file for you. Allow to save it in your OneDrive.",
            "sizeInBytes": len(content), "acceptContext": context, "declineContext": context})
        return Activity(type=ActivityTypes.message, attachments=[card])

    def take(self, context: Any, *, user: str) -> Offered:
        """The file a consent answer names, if ``user`` is the person it was offered to."""
        file_id = context.get("file") if isinstance(context, dict) else None
        if not isinstance(file_id, str) or not _ID.match(file_id):
            raise ConsentError("That file card isn't one of flowdesk's.")
        try:
            meta = json.loads((self.folder / f"{file_id}.json").read_text(encoding="utf-8"))
            content = (self.folder / f"{file_id}.bin").read_bytes()
        except (OSError, ValueError):
            raise ConsentError("That file is no longer available; ask me for it again.") from None
        if meta.get("user") != user:
            raise ConsentError("That file was made for someone else.")
        return Offered(id=file_id, name=str(meta["name"]), mime_type=str(meta["mime_type"]), user=user,
                       content=content)

    def forget(self, file_id: str) -> None:
        for suffix in (".bin", ".json"):
            (self.folder / f"{file_id}{suffix}").unlink(missing_ok=True)

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
        self.forget(offered.id)
        card = CardAttachment(content_type=INFO_TYPE, content_url=content_url,
                              name=str(info.get("name") or offered.name),
                              content={"uniqueId": info.get("uniqueId"), "fileType": info.get("fileType")})
        return Activity(type=ActivityTypes.message, attachments=[card])

    def _forget_old(self) -> None:
        limit = time.time() - KEEP_FOR
        for path in self.folder.glob("*.json"):
            try:
                if path.stat().st_mtime < limit:
                    self.forget(path.stem)
            except OSError:
                continue

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
