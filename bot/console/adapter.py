"""The console adapter: a chat page at ``/`` through the same pipeline as Slack and Teams.

Messages become ``Message``s, button clicks ``Interaction``s, and the bot's
replies and notices (approver's card, requester's result) are posted into the
console's threads, which live in the database. On a non-loopback address the
console is off unless a token is configured, because it can speak as any user.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import structlog
from aiohttp import web

from bot.console import files, live, panel
from bot.console.guard import ConsoleGuard, asset_response
from bot.console.store import ConsoleStore, Entry
from bot.errors import AdapterError, BotError
from bot.inbox import Inbox, Item, Sweeper
from bot.models import Address, Attachment, Interaction, Mention, Message, Parse, Reply

PLATFORM = "console"
WORKSPACE = "local"
CHANNEL = "console"
STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {"console.js": "text/javascript", "console.css": "text/css"}
DEFAULT_PEOPLE = ("alex", "dana", "sam")
SETTLE = 10.0
_MENTION = re.compile(r"(?<![\w.])@([A-Za-z][\w.\-]*[\w])")
_USER = re.compile(r"^[A-Za-z][\w.\-]{0,63}$")
MAX_TYPED = 2000

log = structlog.get_logger(__name__)


def mentions_in(text: str) -> tuple[Mention, ...]:
    """``@dana`` in console text names the console user ``dana``."""
    return tuple(Mention(id=name, name=name) for name in dict.fromkeys(_MENTION.findall(text)))


class ConsoleAdapter:
    """Serves the console page, its JSON API and its live stream."""

    platform = PLATFORM

    def __init__(self, *, runtime: Any, exposed: bool = False, token: str | None = None) -> None:
        self.runtime = runtime
        self.guard = ConsoleGuard(exposed=exposed, token=token)
        self.store = ConsoleStore(database=runtime.database)
        self.inbox = Inbox(runtime.database)
        self.sweeper = Sweeper(self.inbox, platform=PLATFORM, take=self._adopted)
        self._serving = False
        self._parses: dict[str, Parse | None] = {}
        self._busy: dict[str, set[asyncio.Task[None]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = asyncio.Event()
        runtime.dispatcher.parse_observers.append(self._observe)

    @property
    def exposed(self) -> bool:
        return self.guard.exposed

    def add_routes(self, app: web.Application) -> None:
        self._serving = True  # ``flowdesk worker`` only posts into threads: it takes no messages
        app.router.add_get("/", self.page)
        app.router.add_get("/console/static/{name}", self.asset)
        app.router.add_get("/console/api/state", self.state)
        app.router.add_get("/console/api/panel", self.side_panel)
        app.router.add_get("/console/api/events", self.events)
        app.router.add_post("/console/api/messages", self.post_message)
        app.router.add_post("/console/api/upload", self.post_upload)
        app.router.add_get("/console/api/files/{id}", self.get_file)
        app.router.add_post("/console/api/actions", self.post_action)
        app.on_shutdown.append(self._on_shutdown)

    async def start(self) -> None:
        self._closing.clear()
        if self._serving:
            self.sweeper.start()

    async def close(self) -> None:
        self._closing.set()
        await self.sweeper.close()
        self.store.changed.notify()
        await self.idle(timeout=10)
        await self.inbox.close()

    async def idle(self, timeout: float = 30) -> None:
        """Wait until the messages handed to the pipeline have been answered."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)

    async def send(self, to: Address, reply: Reply) -> dict[str, Any]:
        """Post a reply or notice into its thread (a new thread when it names none).

        A notice waits for the reply to the message that caused it, so the thread
        reads in order (the worker may deliver before the reply is posted).
        """
        me = asyncio.current_task()
        answering = {task for task in self._busy.get(to.thread or "", ()) if task is not me}
        if answering:
            await asyncio.wait(answering, timeout=SETTLE)
        entry = await self.store.say(thread=to.thread or "", reply=reply, to=to.user)
        return {"entry": entry.id, "thread": entry.thread}

    async def update(self, ref: dict[str, Any], reply: Reply) -> None:
        await self.store.replace(str(ref.get("entry", "")), reply)

    def _observe(self, message: Message, parse: Parse) -> None:
        if message.platform == PLATFORM and message.id in self._parses:
            self._parses[message.id] = parse

    async def _on_shutdown(self, _: web.Application) -> None:
        self._closing.set()
        self.store.changed.notify()

    async def page(self, request: web.Request) -> web.StreamResponse:
        return self.guard.page(request, STATIC / "index.html")

    async def asset(self, request: web.Request) -> web.StreamResponse:
        self.guard.check(request)
        return asset_response(STATIC, ASSETS, request.match_info["name"])

    async def state(self, request: web.Request) -> web.Response:
        """The threads the chosen user sees, who has spoken, and which threads await a reply."""
        self.guard.check(request)
        user = _user(request.query.get("user"))
        people = sorted({*DEFAULT_PEOPLE, *await self.store.people(), user})
        threads = await self.store.threads(user)
        return web.json_response({"user": user, "people": people, "threads": threads,
                                  "busy": sorted(self._busy), "model_ready": bool(self.runtime.nlu_ready)})

    async def side_panel(self, request: web.Request) -> web.Response:
        self.guard.check(request)
        database = self.runtime.database
        folder, smtp = self._mail_target()
        return web.json_response({
            "approvals": await panel.pending_approvals(database),
            "records": await panel.recent_records(database),
            "mail": await panel.mail_folder(folder),
            "mail_folder": str(folder) if folder else None,
            "smtp": smtp,
        })

    async def events(self, request: web.Request) -> web.StreamResponse:
        self.guard.check(request)
        folder, _ = self._mail_target()

        async def signature() -> tuple[Any, ...]:
            busy = tuple(sorted(self._busy))
            return (await self.store.signature(), await panel.signature(self.runtime.database, folder), busy)

        return await live.stream(request, signature=signature, wait=self.store.changed.wait, closing=self._closing)

    async def post_message(self, request: web.Request) -> web.Response:
        """A person says something; the pipeline answers in the background (the page is live)."""
        self.guard.check(request)
        body = await _json(request)
        return await self._accept(body.get("user"), body.get("text"), body.get("thread"), [])

    async def post_upload(self, request: web.Request) -> web.Response:
        """A message with files (multipart): the files travel with the ``Message`` as attachments."""
        self.guard.check(request)
        fields, attached = await files.read_upload(request)
        return await self._accept(fields.get("user"), fields.get("text", ""), fields.get("thread"), attached)

    async def get_file(self, request: web.Request) -> web.Response:
        self.guard.check(request)
        user = _user(request.query.get("user"))
        stored = await self.store.file(request.match_info["id"])
        if stored is None or not stored.entry.visible_to(user):
            raise web.HTTPNotFound(text="no such file")
        return files.download(stored)

    async def _accept(self, user: Any, text: Any, thread: Any, attached: list[Attachment]) -> web.Response:
        user = _user(user)
        if not isinstance(text, str) or not (text.strip() or attached):
            raise web.HTTPBadRequest(text="'text' must be a non-empty string (or come with files)")
        thread = thread or None
        if thread is not None and (not isinstance(thread, str) or await self.store.get(thread) is None):
            raise web.HTTPBadRequest(text="'thread' names no console thread")
        entry = await self.store.add(thread=thread, author=user, text=text, files=attached)
        item = await self.inbox.put(platform=PLATFORM, kind="message", key=f"console:{entry.id}",
                                    payload={"entry": entry.id, "thread": entry.thread})
        if item is not None:  # stored before the 202: a process that dies meanwhile leaves it to be adopted
            self._spawn(entry.thread, self.inbox.run(item, lambda _: self._answer(entry, tuple(attached))))
        return web.json_response({"thread": entry.thread, "entry": entry.id}, status=202)

    async def post_action(self, request: web.Request) -> web.Response:
        """A click on a button of a card: only buttons the card really shows can be clicked."""
        self.guard.check(request)
        body = await _json(request)
        user = _user(body.get("user"))
        entry = await self.store.get(str(body.get("entry", "")))
        if entry is None or entry.card is None or not entry.visible_to(user):
            raise web.HTTPNotFound(text="no such card")
        button = _button(entry, body.get("button"))
        interaction = Interaction(
            platform=PLATFORM, workspace=WORKSPACE, channel=CHANNEL, thread=entry.thread, user=user,
            user_name=user, action_id=button["action_id"], value=button.get("value", ""), message_id=entry.id,
            delivery_id=f"console:{entry.id}:{button['action_id']}:{user}:{body.get('click', '')}",
            fields=_typed(entry, body.get("fields")),
        )
        try:
            reply = await self.runtime.dispatcher.handle_interaction(interaction)
        except AdapterError as exc:
            raise web.HTTPBadRequest(text=exc.message) from None
        if reply is not None:
            if reply.replace and not reply.private:
                await self.store.replace(entry.id, reply)
            else:
                await self.store.say(thread=entry.thread, reply=reply, to=user)
        return web.json_response({"ok": True, "text": reply.text if reply else ""})

    def _adopted(self, item: Item) -> None:
        """A message whose process stopped before answering: answer it here."""
        self._spawn(str(item.payload["thread"]), self.inbox.run(item, self._resume))

    async def _resume(self, item: Item) -> None:
        entry = await self.store.get(str(item.payload["entry"]))
        if entry is None:
            return
        attached = []
        for listed in entry.files:
            stored = await self.store.file(listed["id"])
            if stored is not None:
                attached.append(Attachment(name=stored.name, mime_type=stored.mime_type, size=len(stored.content),
                                           content=stored.content))
        await self._answer(entry, tuple(attached))

    async def _answer(self, entry: Entry, attached: tuple[Attachment, ...] = ()) -> None:
        message = Message(platform=PLATFORM, workspace=WORKSPACE, channel=CHANNEL, thread=entry.thread,
                          id=entry.id, user=entry.author, user_name=entry.author, text=entry.text,
                          mentions=mentions_in(entry.text), attachments=attached)
        self._parses[entry.id] = None
        try:
            reply = await self.runtime.dispatcher.handle_message(message, delivery_key=f"console:{entry.id}")
        except BotError as exc:
            log.warning("console.message_failed", entry=entry.id, error=str(exc))
            reply = Reply(text=f"Sorry, that failed: {exc.message}")
        except Exception:
            log.exception("console.message_failed", entry=entry.id)
            reply = Reply(text="Sorry, something went wrong; the server log has the details.")
        parse = self._parses.pop(entry.id, None)
        if parse is not None:
            await self.store.set_parse(entry.id, parse)
        if reply is not None:
            await self.store.say(thread=entry.thread, reply=reply, to=entry.author)

    def _spawn(self, thread: str, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._busy.setdefault(thread, set()).add(task)
        self._tasks.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            self._tasks.discard(finished)
            running = self._busy.get(thread, set())
            running.discard(finished)
            if not running:
                self._busy.pop(thread, None)
            self.store.changed.notify()

        task.add_done_callback(done)

    def _mail_target(self) -> tuple[Path | None, str | None]:
        """The local mail folder the email connector writes to, or the SMTP server it uses."""
        transport = getattr(self.runtime.registry.owner("email.send"), "transport", None)
        folder = getattr(transport, "folder", None)
        host = getattr(transport, "host", None)
        return (Path(folder) if folder else None), (f"{host}:{getattr(transport, 'port', '')}" if host else None)


def _button(entry: Entry, index: Any) -> dict[str, Any]:
    buttons = (entry.card or {}).get("buttons") or []
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(buttons):
        raise web.HTTPBadRequest(text="'button' must be the index of a button on the card")
    return dict(buttons[index])


def _typed(entry: Entry, value: Any) -> dict[str, str]:
    """What was typed in the card's inputs: text for inputs the card really shows."""
    names = {item.get("name") for item in (entry.card or {}).get("inputs") or []}
    if value is None:
        return {}
    if not isinstance(value, dict) or any(name not in names or not isinstance(text, str) or len(text) > MAX_TYPED
                                          for name, text in value.items()):
        raise web.HTTPBadRequest(text="'fields' must map inputs of the card to their text")
    return dict(value)


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="the body must be JSON (UTF-8)") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="the body must be a JSON object")
    return body


def _user(value: Any) -> str:
    if not isinstance(value, str) or not _USER.match(value):
        raise web.HTTPBadRequest(text="'user' must be a console user name (a letter, then letters, digits, . _ -)")
    return value
