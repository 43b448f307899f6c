"""The console adapter: a JSON API and a page at ``/``, through the same pipeline as Slack and Teams.

On a non-loopback address it acts only with the configured token, because it
can speak as any user.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.console.store import ConsoleStore
from bot.errors import AdapterError
from bot.models import Address, Interaction, Mention, Message, Reply

PLATFORM = "console"
STATIC = Path(__file__).resolve().parent / "static"
_MENTION = re.compile(r"(?<![\w.])@([A-Za-z][\w.\-]*[\w])")
_USER = re.compile(r"^[A-Za-z][\w.\-]{0,63}$")


def mentions_in(text: str) -> tuple[Mention, ...]:
    """``@dana`` in console text names the console user ``dana``."""
    return tuple(Mention(id=name, name=name) for name in dict.fromkeys(_MENTION.findall(text)))


class ConsoleAdapter:
    platform = PLATFORM

    def __init__(self, *, runtime: Any, exposed: bool = False, token: str | None = None) -> None:
        self.runtime = runtime
        self.exposed = exposed
        self.token = token
        self.store = ConsoleStore()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self.page)
        app.router.add_get("/console/api/threads", self.threads)
        app.router.add_post("/console/api/messages", self.post_message)
        app.router.add_post("/console/api/actions", self.post_action)

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def send(self, to: Address, reply: Reply) -> dict[str, Any]:
        thread = to.thread or to.channel or "direct"
        entry = self.store.add(thread=thread, author="flowdesk", text=reply.text, reply=reply,
                               private_to=to.user if reply.private else None)
        return {"entry": entry.id, "thread": thread}

    async def update(self, ref: dict[str, Any], reply: Reply) -> None:
        self.store.replace(str(ref.get("entry", "")), reply)

    def _authorize(self, request: web.Request) -> None:
        if not self.exposed:
            return
        if not self.token:
            raise web.HTTPForbidden(text="The console is off on a non-loopback address; set FLOWDESK_CONSOLE_TOKEN.")
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip() or request.query.get("token", "")
        if given != self.token:
            raise web.HTTPUnauthorized(text="A valid console token is required.")

    async def page(self, request: web.Request) -> web.StreamResponse:
        self._authorize(request)
        return web.FileResponse(STATIC / "index.html")

    async def threads(self, request: web.Request) -> web.Response:
        self._authorize(request)
        user = request.query.get("user", "")
        return web.json_response({"version": self.store.version, "threads": self.store.snapshot(user)})

    async def post_message(self, request: web.Request) -> web.Response:
        self._authorize(request)
        body = await _json(request)
        user, text = _user(body), body.get("text")
        if not isinstance(text, str):
            raise web.HTTPBadRequest(text="'text' must be a string")
        thread = str(body.get("thread") or "")
        entry = self.store.add(thread=thread or self.store.new_id(), author=user, text=text)
        message = Message(platform=PLATFORM, workspace="local", channel="console", thread=entry.thread,
                          id=entry.id, user=user, user_name=user, text=text, mentions=mentions_in(text))
        reply = await self.runtime.dispatcher.handle_message(message, delivery_key=f"console:{entry.id}")
        if reply is not None:
            await self.send(message.address(), reply)
        return web.json_response({"thread": entry.thread, "entry": entry.id})

    async def post_action(self, request: web.Request) -> web.Response:
        self._authorize(request)
        body = await _json(request)
        user = _user(body)
        entry_id, thread = str(body.get("entry", "")), str(body.get("thread", ""))
        interaction = Interaction(
            platform=PLATFORM, workspace="local", channel="console", thread=thread, user=user,
            user_name=user, action_id=str(body.get("action_id", "")), value=str(body.get("value", "")),
            message_id=entry_id, delivery_id=f"console:{entry_id}:{body.get('action_id')}:{user}:{body.get('click', '')}",
        )
        try:
            reply = await self.runtime.dispatcher.handle_interaction(interaction)
        except AdapterError as exc:
            raise web.HTTPBadRequest(text=exc.message) from None
        if reply is not None:
            if reply.replace and not reply.private:
                self.store.replace(entry_id, reply)
            else:
                await self.send(Address(platform=PLATFORM, thread=thread, user=user), reply)
        return web.json_response({"ok": True})


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="the body must be JSON (UTF-8)") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="the body must be a JSON object")
    return body


def _user(body: dict[str, Any]) -> str:
    user = body.get("user")
    if not isinstance(user, str) or not _USER.match(user):
        raise web.HTTPBadRequest(text="'user' must be a console user name (letters, digits, . _ -)")
    return user
