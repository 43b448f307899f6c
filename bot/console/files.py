"""Files in the console: uploads read from a multipart stream with a cap, downloads served inertly."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import BodyPartReader, hdrs, web

from bot.console.store import StoredFile
from bot.models import Attachment

MAX_UPLOAD = 10 * 1024 * 1024
MAX_FILES = 10
MAX_FIELD = 8000
CHUNK = 64 * 1024
INLINE_SAFE = {"text/plain", "text/csv", "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}


async def read_upload(request: web.Request) -> tuple[dict[str, str], list[Attachment]]:
    """The form fields and files of a console upload; refuses more than ``MAX_UPLOAD`` bytes in all."""
    try:
        reader = await request.multipart()
    except (AssertionError, ValueError, KeyError):
        raise web.HTTPBadRequest(text="an upload is multipart/form-data") from None
    fields: dict[str, str] = {}
    files: list[Attachment] = []
    total = 0
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise web.HTTPBadRequest(text="nested multipart is not accepted")
        if part.filename is None:
            value = await part.read_chunk(MAX_FIELD + 1)
            if len(value) > MAX_FIELD:
                raise web.HTTPBadRequest(text=f"the field {part.name!r} is too long")
            fields[part.name or ""] = value.decode("utf-8", errors="replace")
            continue
        if len(files) == MAX_FILES:
            raise web.HTTPBadRequest(text=f"at most {MAX_FILES} files at a time")
        data = bytearray()
        while chunk := await part.read_chunk(CHUNK):
            total += len(chunk)
            if total > MAX_UPLOAD:
                raise web.HTTPRequestEntityTooLarge(max_size=MAX_UPLOAD, actual_size=total)
            data += chunk
        mime = part.headers.get(hdrs.CONTENT_TYPE, "application/octet-stream").split(";")[0].strip()
        files.append(Attachment(name=part.filename[:256] or "file", mime_type=mime or "application/octet-stream",
                                size=len(data), content=bytes(data)))
    return fields, files


def download(stored: StoredFile) -> web.Response:
    """The file as a download: never rendered as a page of the console's origin."""
    mime = stored.mime_type if stored.mime_type in INLINE_SAFE else "application/octet-stream"
    headers: dict[str, Any] = {
        hdrs.CONTENT_DISPOSITION: f"attachment; filename*=UTF-8''{quote(stored.name, safe='')}",
        hdrs.CONTENT_TYPE: mime, "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'", hdrs.CACHE_CONTROL: "no-store",
    }
    return web.Response(body=stored.content, headers=headers)
