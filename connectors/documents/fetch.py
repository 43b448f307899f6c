"""Downloads a shared file for an adapter, with the adapter's platform authentication and a size cap.

Adapters call ``download`` with their own headers (Slack: the bot token on
``url_private_download``; Teams: the bot's token for inline images, none for
the pre-signed ``downloadUrl`` of a file consent card). The declared size is
checked before the request and the byte count while streaming, so a file over
the limit is never held whole in memory.
"""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp

from bot.models import Attachment
from connectors.documents.errors import DocumentRefused
from connectors.documents.sniff import Limits, check_size, megabytes

CHUNK = 64 * 1024
TIMEOUT = aiohttp.ClientTimeout(total=60, sock_connect=10)


async def download(session: aiohttp.ClientSession, attachment: Attachment, *, headers: Mapping[str, str],
                   limits: Limits) -> Attachment:
    """``attachment`` with ``content`` filled; raises ``DocumentRefused`` (too big, not reachable)."""
    if attachment.content is not None:
        check_size(attachment.name, len(attachment.content), limits)
        return attachment
    if not attachment.url:
        raise DocumentRefused(attachment.name, "the chat did not give me a way to download it.")
    check_size(attachment.name, attachment.size, limits)
    try:
        async with session.get(attachment.url, headers=dict(headers), timeout=TIMEOUT, max_redirects=3) as response:
            if response.status != 200:
                raise DocumentRefused(attachment.name, f"the download failed (HTTP {response.status}).")
            check_size(attachment.name, response.content_length, limits)
            data = bytearray()
            async for chunk in response.content.iter_chunked(CHUNK):
                data += chunk
                if len(data) > limits.max_bytes:
                    raise DocumentRefused(attachment.name, f"it is over the limit of {megabytes(limits.max_bytes)}.")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise DocumentRefused(attachment.name, f"the download failed ({type(exc).__name__}).") from None
    return attachment.model_copy(update={"content": bytes(data), "size": len(data)})
