"""Files people send the bot in Teams, downloaded so the pipeline gets their bytes.

Teams hands a file sent in a personal chat to the bot as a
``application/vnd.microsoft.teams.file.download.info`` attachment whose
``downloadUrl`` is pre-signed (no token needed). Files are fetched only when a
connector reads files (it declares ``limits.max_bytes``); otherwise they are
ignored. The declared size is checked first and the byte count while streaming.
"""

from __future__ import annotations

import mimetypes
from typing import Any

import aiohttp
from botbuilder.schema import Activity

from bot.errors import ActionRejected
from bot.models import Attachment

DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
MAX_FILES = 5
CHUNK = 64 * 1024
TIMEOUT = aiohttp.ClientTimeout(total=60, sock_connect=10)


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


def max_bytes_of(registry: Any) -> int | None:
    """The size limit of the connector that reads files, if one is installed."""
    for connector in getattr(registry, "connectors", []):
        limit = getattr(getattr(connector, "limits", None), "max_bytes", None)
        if isinstance(limit, int) and limit > 0:
            return limit
    return None


def _too_big(name: str, limit: int) -> ActionRejected:
    return ActionRejected(f"I can't take {name!r}: it is over the limit of {limit / 1024 / 1024:.0f} MB.")


class FileFetcher:
    """Downloads files with a size cap; one HTTP session per adapter."""

    def __init__(self, *, max_bytes: int | None) -> None:
        self.max_bytes = max_bytes
        self._session: aiohttp.ClientSession | None = None

    async def fetch(self, files: tuple[Attachment, ...]) -> tuple[Attachment, ...]:
        """The files with their bytes; raises ``ActionRejected`` (too big, unreachable)."""
        if self.max_bytes is None or not files:
            return ()
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return tuple([await self._one(self._session, f, self.max_bytes) for f in files])

    async def _one(self, session: aiohttp.ClientSession, file: Attachment, limit: int) -> Attachment:
        try:
            async with session.get(str(file.url), max_redirects=3) as response:
                if response.status != 200:
                    raise ActionRejected(f"I can't take {file.name!r}: the download failed (HTTP {response.status}).")
                if (response.content_length or 0) > limit:
                    raise _too_big(file.name, limit)
                data = bytearray()
                async for chunk in response.content.iter_chunked(CHUNK):
                    data += chunk
                    if len(data) > limit:
                        raise _too_big(file.name, limit)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ActionRejected(f"I can't take {file.name!r}: the download failed ({type(exc).__name__}).") from None
        return file.model_copy(update={"content": bytes(data), "size": len(data)})

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
