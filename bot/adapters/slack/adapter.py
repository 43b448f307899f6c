"""SlackAdapter: slack-bolt's AsyncApp behind our guard, in HTTP or Socket Mode.

A listener middleware stores each delivery the bot acts on in the inbox
(``bot.inbox``) before bolt acknowledges it; the listener then acknowledges and
hands the stored item to ``SlackWork`` (in the work process, or in this
process's backlog), so Slack gets its answer within milliseconds whatever the
NLU and connectors cost, and a process that dies after the acknowledgement
loses nothing: another serving process adopts the item when its lease ends.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

import structlog
from aiohttp import ClientSession, web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.adapters.slack import client as slack_client
from bot.adapters.slack.backlog import Backlog
from bot.adapters.slack.files import SlackFiles
from bot.adapters.slack.guard import Rejected, SlackRequestGuard
from bot.adapters.slack.installations import SqlInstallationStore, SqlOAuthStateStore
from bot.adapters.slack.ledger import make_ledger
from bot.adapters.slack.outgoing import SlackPoster
from bot.adapters.slack.work import SlackWork, delivery_key
from bot.adapters.slack.workproc import DEFAULT_RUNTIME, WorkProcess
from bot.config import Settings
from bot.errors import ConfigError
from bot.inbox import Inbox, Item, Sweeper
from bot.models import Address, Reply

log = structlog.get_logger(__name__)

COMMAND = "/flowdesk"
BOT_SCOPES = ("app_mentions:read", "chat:write", "chat:write.public", "commands", "files:read", "files:write",
              "im:history", "im:read", "im:write", "users:read", "users:read.email")
WORKERS = 8
MAX_QUEUED = 1000
BUSY = "I'm busy right now and couldn't take that on. Please try again in a minute."
STORED, FULL = "flowdesk_item", "flowdesk_busy"
"""Bolt context keys the storing middleware leaves for the listener."""


class SlackAdapter:
    """Slash command, mentions, direct messages and buttons, through slack-bolt."""

    platform = "slack"

    WORK_RUNTIME: ClassVar[str | None] = None
    """``module:function`` building the work process's runtime from settings (tests, benchmarks)."""

    def __init__(self, *, settings: Settings, runtime: Any, work_process: bool | None = None) -> None:
        self.settings = settings
        self.runtime = runtime
        oauth = bool(settings.slack_client_id and settings.slack_client_secret)
        if not (settings.slack_bot_token or oauth):
            raise ConfigError("FLOWDESK_SLACK_BOT_TOKEN", "set a bot token, or FLOWDESK_SLACK_CLIENT_ID and "
                              "FLOWDESK_SLACK_CLIENT_SECRET for the multi-workspace install flow")
        self.client = slack_client.make_client(settings.slack_api_url)
        self.store = SqlInstallationStore(database=runtime.database) if oauth else None
        tokens = slack_client.Tokens(bot_token=settings.slack_bot_token, store=self.store)
        self.poster = SlackPoster(client=self.client, tokens=tokens)
        self.bot_user_id: str | None = None
        self.app = self._build_app(oauth)
        self.guard = SlackRequestGuard(signing_secret=settings.slack_signing_secret,
                                       is_known_action=self.is_known_action) if settings.slack_signing_secret else None
        self.ledger = make_ledger(redis_url=settings.redis_url, database=runtime.database)
        self.files = SlackFiles(client=self.client, tokens=tokens, ledger=self.ledger,
                                connectors=runtime.registry.connectors, api_url=settings.slack_api_url,
                                bot_user=lambda: self.bot_user_id)
        self.inbox = Inbox(runtime.database)
        self.sweeper = Sweeper(self.inbox, platform=self.platform, take=self._forward)
        self.work = SlackWork(runtime=runtime, poster=self.poster, inbox=self.inbox, adapter=self)
        self.socket: Any = None
        self.serving = False
        self.backlog = Backlog(workers=WORKERS, size=MAX_QUEUED)
        if work_process is None:  # an NLU given in code (tests) cannot be rebuilt in another process
            work_process = getattr(runtime, "lazy_nlu", None) is not None or self.WORK_RUNTIME is not None
        self.workproc = WorkProcess(settings=settings, runtime_factory=self.WORK_RUNTIME or DEFAULT_RUNTIME,
                                    on_death=self.inbox.release) if work_process else None
        self._tasks: set[asyncio.Task[None]] = set()
        runtime.directory.register(self.platform, self.poster.lookup_email)

    def _build_app(self, oauth: bool) -> AsyncApp:
        settings = self.settings
        oauth_settings = AsyncOAuthSettings(
            client_id=settings.slack_client_id, client_secret=settings.slack_client_secret, scopes=list(BOT_SCOPES),
            installation_store=self.store, installation_store_bot_only=True,
            state_store=SqlOAuthStateStore(database=self.runtime.database),
        ) if oauth else None
        app = AsyncApp(
            signing_secret=settings.slack_signing_secret, client=self.client, process_before_response=False,
            request_verification_enabled=bool(settings.slack_signing_secret),
            authorize=None if oauth else self._authorizer(), oauth_settings=oauth_settings,
        )
        app.command(COMMAND, middleware=[self._storing("command")])(self._on_command)
        app.event("app_mention", middleware=[self._storing("event", mention=True)])(self._on_mention)
        app.event("message", middleware=[self._storing("event")])(self._on_message)
        app.event("file_shared", middleware=[self._storing("file_shared")])(self._on_file_shared)
        app.event("app_uninstalled")(self._on_uninstalled)
        app.event("tokens_revoked")(self._on_uninstalled)
        app.action(re.compile(r".+"), middleware=[self._storing("click")])(self._on_action)
        app.error(self._on_error)
        return app

    def is_known_action(self, action_id: str) -> bool:
        """A button this bot rendered: Send/Cancel, a connector's action, a rating (the pipeline knows which)."""
        return bool(self.runtime.dispatcher.handles(action_id))

    # -- PlatformAdapter -------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        self.serving = True
        if self.guard is not None:
            app.router.add_post("/slack/events", self.events)
        if self.store is not None:
            app.router.add_get("/slack/install", self.oauth)
            app.router.add_get("/slack/oauth_redirect", self.oauth)

    async def start(self) -> None:
        self.client.session = ClientSession()
        self.backlog.start()
        self._spawn(self._learn_identity())
        if self.workproc is not None and self.serving:
            await self.workproc.start()
        if self.serving:  # ``flowdesk worker`` and the work process take no deliveries
            self.sweeper.start()
        if self.settings.slack_app_token and self.serving:  # ``flowdesk worker`` only sends
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            self.socket = AsyncSocketModeHandler(self.app, self.settings.slack_app_token, web_client=self.client)
            await self.socket.connect_async()
            log.info("slack.socket_mode_connected")

    async def close(self) -> None:
        await self.sweeper.close()
        if self.socket is not None:
            await self.socket.close_async()
        if self.workproc is not None:
            await self.workproc.close()
        await self.backlog.close()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=5)
            for task in pending:
                task.cancel()
        await self.ledger.close()
        await self.inbox.close()
        if self.client.session is not None:
            await self.client.session.close()

    async def send(self, to: Address, reply: Reply) -> dict[str, Any]:
        return await self.poster.send(to, reply)

    async def update(self, ref: dict[str, Any], reply: Reply) -> None:
        await self.poster.update(ref, reply)

    # -- HTTP --------------------------------------------------------------

    async def events(self, request: web.Request) -> web.StreamResponse:
        """POST /slack/events: guard, then bolt (verification again, url_verification, listeners)."""
        assert self.guard is not None
        try:
            checked = await self.guard.check(request)
        except Rejected as rejected:
            log.info("slack.rejected", status=rejected.status, reason=rejected.message)
            return web.json_response({"ok": False, "error": rejected.message}, status=rejected.status)
        if checked.body.get("type") == "app_rate_limited":
            log.warning("slack.events_rate_limited", minute=checked.body.get("minute_rate_limited"))
            return web.Response(status=200)
        bolt_request = AsyncBoltRequest(body=checked.raw, query=request.query_string, headers=request.headers)
        if bolt_request.body != checked.body:  # bolt reads any form mentioning "payload" as an empty body
            bolt_request.body = checked.body
            bolt_request.context = build_async_context(AsyncBoltContext({}), checked.body)
        return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))

    async def oauth(self, request: web.Request) -> web.StreamResponse:
        """GET /slack/install and /slack/oauth_redirect, served by bolt's OAuth flow."""
        bolt_request = AsyncBoltRequest(body="", query=request.query_string, headers=request.headers)
        bolt_request.context["request_path"] = request.path
        flow = self.app.oauth_flow
        assert flow is not None
        if request.path == flow.install_path:
            response = await flow.handle_installation(bolt_request)
        else:
            response = await flow.handle_callback(bolt_request)
        return await to_aiohttp_response(response)

    # -- bolt listeners: acknowledge, then work in a task -----------------

    def _authorizer(self) -> Any:
        """Single-workspace authorization without bolt's auth.test call per request."""

        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id,
                                   bot_token=self.settings.slack_bot_token, bot_user_id=self.bot_user_id)

        return authorize

    def _storing(self, kind: str, *, mention: bool = False) -> Callable[..., Awaitable[None]]:
        """Listener middleware: store the delivery in the inbox before bolt acknowledges it.

        Bolt acknowledges events before their listener runs, so the store
        happens here. A retry of a stored delivery stores nothing (its key
        exists); when the backlog is full nothing is stored and the listener
        says "busy". A failing store raises: no acknowledgement, Slack retries.
        """

        async def store(body: dict[str, Any], context: Any, next: Callable[[], Awaitable[None]]) -> None:  # noqa: A002 - bolt's name
            job = self._job(kind, body, mention=mention)
            if job is not None and not self._has_room():
                context[FULL] = True
            elif job is not None:
                context[STORED] = await self.inbox.put(platform=self.platform, kind=kind, key=delivery_key(job),
                                                       payload=job)
            await next()

        return store

    def _job(self, kind: str, body: dict[str, Any], *, mention: bool) -> dict[str, Any] | None:
        """The work a delivery asks for; None for events the bot does not answer."""
        event = body.get("event") or {}
        if kind in ("command", "click"):
            return {"kind": kind, "body": body}
        if kind == "file_shared":
            return {"kind": kind, "body": body, "event": event}
        if mention:
            return {"kind": kind, "body": body, "event": event, "mention": True} if event.get("user") else None
        direct = event.get("channel_type") == "im" and event.get("subtype") in (None, "file_share") \
            and not event.get("bot_id")
        person = direct and event.get("user") and event.get("user") != self.bot_user_id
        return {"kind": kind, "body": body, "event": event, "mention": False} if person else None

    async def _on_command(self, ack: Any, context: Any) -> None:
        if context.get(FULL):
            await ack(text=BUSY)
            return
        await ack()
        self._take(context.get(STORED))

    async def _on_mention(self, ack: Any, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        await ack()
        if context.get(FULL):
            self._spawn(self.work.busy_event(body, event, BUSY))
        self._take(context.get(STORED))

    async def _on_message(self, ack: Any, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        await ack()
        if context.get(FULL):
            self._spawn(self.work.busy_event(body, event, BUSY))
        self._take(context.get(STORED))

    async def _on_file_shared(self, ack: Any, event: dict[str, Any], context: Any) -> None:
        """A file shared in a direct message; the message carrying it usually comes too (taken once)."""
        await ack()
        if context.get(FULL):
            log.warning("slack.file_shared_dropped_busy", file=event.get("file_id"))
        self._take(context.get(STORED))

    async def _on_action(self, ack: Any, body: dict[str, Any], context: Any) -> None:
        await ack()
        if context.get(FULL):
            self._spawn(self.work.busy_click(body, BUSY))
        self._take(context.get(STORED))

    def _has_room(self) -> bool:
        """False when the work process or the backlog is too far behind (the sender is told "busy")."""
        if self.workproc is not None and self.serving:
            return self.workproc.has_room()
        return not self.backlog.full

    def _take(self, item: Item | None) -> None:
        if item is not None and not self._forward(item):
            log.warning("slack.left_in_inbox", key=item.key, note="adopted when its lease ends")

    def _forward(self, item: Item) -> bool:
        """Hand a stored item over: to the work process, or to this process's backlog. False: not taken."""
        if self.workproc is not None and self.serving:
            return self.workproc.submit(item)
        return self.backlog.offer(lambda: self.work.run(item))

    async def _on_uninstalled(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        if self.store is not None:
            await self.store.async_delete_all(enterprise_id=body.get("enterprise_id"), team_id=body.get("team_id"))
            log.info("slack.uninstalled", team=body.get("team_id"))

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("slack.listener_failed", error=repr(error), type=body.get("type"))

    async def _learn_identity(self) -> None:
        """The bot's own user id (to ignore its own messages and strip its mention)."""
        if not self.settings.slack_bot_token:
            return
        try:
            found = await self.client.auth_test(token=self.settings.slack_bot_token)
            self.bot_user_id = found.get("user_id")
        except Exception as exc:  # noqa: BLE001 - mentions still work through event data
            log.warning("slack.auth_test_failed", error=str(exc))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
