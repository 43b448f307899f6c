"""Files people send the bot in Teams, downloaded so the pipeline gets their bytes.

Teams hands a file sent in a personal chat to the bot as a
``application/vnd.microsoft.teams.file.download.info`` attachment whose
``downloadUrl`` is pre-signed (no token needed). Files are fetched only when a
connector reads files (it declares the size limits); otherwise they are ignored.
"""

from __future__ import annotations

import mimetypes
from typing import Any

import aiohttp
from botbuilder.schema import Activity

from bot.models import Attachment
from connectors.documents.fetch import download
from connectors.documents.sniff import Limits

DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
MAX_FILES = 5


def files_of(activity: Activity) -> tuple[Attachment, ...]:
    """The downloadable files of an activity (cards, HTML bodies and images are not files)."""
    found = []
    for item in activity.attachments or []:
        content = item.content if isinstance(item.content, dict) else {}
        url = content.get("downloadUrl")
        if item.content_type != DOWNLOAD_INFO or not isinstance(url, str) or not url.startswith("https://"):
            continue
        name = item.name if isinstance(item.name, str) and item.name else "file"
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        found.append(Attachment(name=name, mime_type=mime, url=url, id=str(content.get("uniqueId") or "")))
    return tuple(found[:MAX_FILES])


def limits_of(registry: Any) -> Limits | None:
    """The limits of the connector that reads files, if one is installed."""
    for connector in getattr(registry, "connectors", []):
        limits = getattr(connector, "limits", None)
        if isinstance(limits, Limits):
            return limits
    return None


class FileFetcher:
    """Downloads files with a size cap; one HTTP session per adapter."""

    def __init__(self, *, limits: Limits | None) -> None:
        self.limits = limits
        self._session: aiohttp.ClientSession | None = None

    @property
    def wanted(self) -> bool:
        return self.limits is not None

    async def fetch(self, files: tuple[Attachment, ...]) -> tuple[Attachment, ...]:
        """The files with their bytes; raises ``DocumentRefused`` (too big, unreachable)."""
        if self.limits is None or not files:
            return ()
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return tuple([await download(self._session, f, headers={}, limits=self.limits) for f in files])

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
