"""Files people share with the bot in Slack, checked and downloaded so the pipeline gets their bytes.

A file arrives on a message (a direct message with ``subtype: file_share``, or
an @mention carrying ``files``) and, separately, as a ``file_shared`` event.
Each file is taken once, by its id in its conversation: whichever event comes
first wins, and ``file_shared`` waits a moment so that the message, which
carries the words and the thread, usually does. ``files.info`` gives the size
and type Slack declares: a file over the limit or of a type no connector reads
is refused without being downloaded. The bytes come from Slack's own
``url_private_download`` with the bot token, only from Slack's file host,
capped while streaming; they are never opened here (the connector decides
what they really are).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.client import Tokens, error_code
from bot.adapters.slack.ledger import Ledger
from bot.errors import ActionRejected, AdapterError
from bot.models import Attachment, Message, Reply

log = structlog.get_logger(__name__)

FILE_HOST = "files.slack.com"
MAX_FILES = 5
CHUNK = 64 * 1024
TIMEOUT = aiohttp.ClientTimeout(total=60, sock_connect=10)
NOT_DOWNLOADABLE = frozenset({"external", "tombstone", "hidden_by_limit"})
SHARED_GRACE = 2.0
"""Seconds a ``file_shared`` event waits, so the message with the same file is taken first."""

Tell = Callable[[Reply], Awaitable[None]]


@dataclass(frozen=True)
class Reader:
    """What the connector that reads files accepts: bytes at most, and file name extensions."""

    max_bytes: int
    extensions: frozenset[str]


def reader_of(connectors: Iterable[Any]) -> Reader | None:
    """The limits of the installed connector that reads files (``limits.max_bytes``, ``file_types``)."""
    for connector in connectors:
        limit = getattr(getattr(connector, "limits", None), "max_bytes", None)
        if isinstance(limit, int) and limit > 0:
            types = getattr(connector, "file_types", None) or ()
            return Reader(max_bytes=limit, extensions=frozenset(str(t).lower() for t in types))
    return None


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def refused(name: str, reason: str) -> ActionRejected:
    return ActionRejected(f"I can't take {name!r}: {reason}")


def check_declared(name: str, size: Any, reader: Reader) -> None:
    """Refuse by what Slack declares (size, and the name's type), before any byte is fetched."""
    if isinstance(size, int) and size > reader.max_bytes:
        raise refused(name, f"it is {megabytes(size)}; the limit is {megabytes(reader.max_bytes)}.")
    extension = PurePosixPath(name.lower()).suffix
    if reader.extensions and extension not in reader.extensions:
        allowed = ", ".join(sorted(reader.extensions))
        raise refused(name, f"I only read {allowed} files, not {extension or 'files without an extension'}.")


def latest_share(info: Mapping[str, Any], channel: str) -> Mapping[str, Any]:
    """The most recent share of a file in ``channel`` (its message ``ts`` and ``thread_ts``)."""
    found: list[Mapping[str, Any]] = []
    for scope in ("private", "public"):
        found += [s for s in ((info.get("shares") or {}).get(scope) or {}).get(channel) or [] if isinstance(s, dict)]
    return max(found, key=lambda s: float(s.get("ts") or 0), default={})


class SlackFiles:
    """Turns the files of a Slack event into attachments with their bytes, or a refusal."""

    def __init__(self, *, client: AsyncWebClient, tokens: Tokens, ledger: Ledger, connectors: Iterable[Any],
                 api_url: str, bot_user: Callable[[], str | None]) -> None:
        self.client = client
        self.tokens = tokens
        self.ledger = ledger
        self.connectors = connectors
        self.bot_user = bot_user
        self.grace = SHARED_GRACE
        api = urlsplit(api_url)
        self._api_origin = (api.scheme, api.netloc)

    @property
    def reader(self) -> Reader | None:
        return reader_of(self.connectors)

    async def attach(self, message: Message, event: Mapping[str, Any], *, tell: Tell) -> Message | None:
        """``message`` with its files' bytes; None when a file was refused (the sender is told why by
        ``tell``) or another event of the same share already took the files."""
        files = [f for f in event.get("files") or [] if isinstance(f, dict) and isinstance(f.get("id"), str)]
        reader = self.reader
        if not files or reader is None:
            return message
        keys = [f"slack:file:{message.workspace}:{message.channel}:{f['id']}" for f in files[:MAX_FILES]]
        claimed = [(key, file) for key, file in zip(keys, files, strict=False) if await self.ledger.claim(key)]
        if not claimed:
            log.info("slack.file_already_taken", files=[f["id"] for f in files])
            return None
        try:
            taken = [await self._fetch(message, str(file["id"]), reader) for _, file in claimed]
        except ActionRejected as exc:
            for key, _ in claimed:
                await self.ledger.release(key)
            await tell(Reply(text=exc.message))
            return None
        return message.model_copy(update={"attachments": tuple(taken)})

    async def shared(self, body: Mapping[str, Any], event: Mapping[str, Any]) -> dict[str, Any] | None:
        """The message event a ``file_shared`` event stands for, when it is a person's file in a direct
        message with the bot; None otherwise (channels answer files only with an @mention)."""
        channel, user = str(event.get("channel_id") or ""), str(event.get("user_id") or "")
        file_id = str(event.get("file_id") or (event.get("file") or {}).get("id") or "")
        if not channel.startswith("D") or not user or not file_id or user == self.bot_user():
            return None
        await asyncio.sleep(self.grace)
        workspace = str(body.get("team_id") or "")
        try:
            token = await self.tokens.for_workspace(workspace, body.get("enterprise_id"))
            info = (await self.client.files_info(token=token, file=file_id))["file"]
        except (SlackApiError, AdapterError) as exc:
            log.warning("slack.file_info_failed", file=file_id, error=str(exc))
            return None
        share = latest_share(info, channel)
        ts = str(share.get("ts") or event.get("event_ts") or "")
        return {"type": "message", "subtype": "file_share", "channel": channel, "channel_type": "im",
                "user": user, "team": workspace, "text": "", "ts": ts, "event_ts": ts,
                **({"thread_ts": share["thread_ts"]} if share.get("thread_ts") else {}), "files": [{"id": file_id}]}

    async def _fetch(self, message: Message, file_id: str, reader: Reader) -> Attachment:
        token = await self.tokens.for_workspace(message.workspace, message.ref.get("enterprise_id"))
        try:
            info = (await self.client.files_info(token=token, file=file_id))["file"]
        except SlackApiError as exc:
            raise ActionRejected(f"I can't take that file: Slack would not describe it "
                                 f"({error_code(exc) or 'error'}). Try sharing it again.") from None
        name = str(info.get("name") or info.get("title") or "file")[:256]
        url = info.get("url_private_download")
        if info.get("mode") in NOT_DOWNLOADABLE or not isinstance(url, str):
            raise refused(name, "Slack gives me no way to download it (it is stored outside Slack, deleted, "
                                "or hidden by the workspace's plan).")
        check_declared(name, info.get("size"), reader)
        if not self._is_slack_file(url):
            raise refused(name, "its download address is not on Slack's file server.")
        data = await self._download(name, url, token, reader.max_bytes, declared=str(info.get("mimetype") or ""))
        return Attachment(name=name, mime_type=str(info.get("mimetype") or "application/octet-stream"),
                          size=len(data), id=file_id, content=data)

    def _is_slack_file(self, url: str) -> bool:
        """The bot token goes only to Slack's file host (or the configured API's own origin)."""
        parts = urlsplit(url)
        return (parts.scheme == "https" and parts.hostname == FILE_HOST) or (
            (parts.scheme, parts.netloc) == self._api_origin)

    async def _download(self, name: str, url: str, token: str, limit: int, *, declared: str) -> bytes:
        session = self.client.session or aiohttp.ClientSession()
        try:
            async with session.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT,
                                   allow_redirects=False) as response:
                if response.status != 200:
                    raise refused(name, f"the download from Slack failed (HTTP {response.status}). "
                                        "Try sharing it again.")
                if response.content_type == "text/html" and "html" not in declared:
                    raise refused(name, "Slack sent a sign-in page instead of the file; the app needs the "
                                        "files:read permission (reinstall it from its manifest).")
                if (response.content_length or 0) > limit:
                    raise refused(name, f"it is over the limit of {megabytes(limit)}.")
                data = bytearray()
                async for chunk in response.content.iter_chunked(CHUNK):
                    data += chunk
                    if len(data) > limit:
                        raise refused(name, f"it is over the limit of {megabytes(limit)}.")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise refused(name, f"the download from Slack failed ({type(exc).__name__}).") from None
        finally:
            if session is not self.client.session:
                await session.close()
        return bytes(data)
