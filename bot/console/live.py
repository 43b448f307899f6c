"""Live updates for console pages: a server-sent event whenever something on the page changed.

The stream tells pages *that* something changed (threads, cards, approvals,
records, mail); they fetch what they show. Writes in this process wake the
stream at once; writes by other processes are noticed within ``POLL`` seconds.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

POLL = 1.0
HEARTBEAT = 15.0

Signature = Callable[[], Awaitable[tuple[Any, ...]]]
Wait = Callable[[float], Awaitable[bool]]


async def stream(request: web.Request, *, signature: Signature, wait: Wait, closing: asyncio.Event) -> web.StreamResponse:
    """Serve ``text/event-stream`` until the page goes away or the server stops."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store",
                                           "X-Accel-Buffering": "no"})
    await response.prepare(request)
    loop = asyncio.get_running_loop()
    last: tuple[Any, ...] | None = None
    quiet_since = loop.time()
    counter = 0
    try:
        await response.write(b"retry: 2000\n\n")
        while not closing.is_set():
            current = await signature()
            if current != last:
                last, counter = current, counter + 1
                await response.write(f"id: {counter}\nevent: change\ndata: {json.dumps({'n': counter})}\n\n".encode())
                quiet_since = loop.time()
            elif loop.time() - quiet_since > HEARTBEAT:
                await response.write(b": keep-alive\n\n")
                quiet_since = loop.time()
            await wait(POLL)
    except ConnectionResetError:
        pass
    return response
