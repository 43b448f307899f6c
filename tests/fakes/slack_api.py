"""A fake Slack Web API on loopback (port 0) that records every call, like bolt's mock server.

Also serves response_url webhooks (``/hooks/...``) and can answer 429 with
Retry-After a chosen number of times, to test rate-limit handling.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

BOT_USER = "UFLOWBOT"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None


@dataclass
class FakeSlack:
    """Start with ``await fake.start()``; ``fake.api_url`` goes in FLOWDESK_SLACK_API_URL."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    hooks: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    limits: dict[str, list[int]] = field(default_factory=dict)
    not_postable: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._ts = itertools.count(1)
        self.sockets: list[web.WebSocketResponse] = []
        self.socket_acks: list[dict[str, Any]] = []
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.changed = asyncio.Event()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def hook_url(self, name: str = "r1") -> str:
        return f"{self.base}/hooks/{name}"

    def add_user(self, user_id: str, name: str, email: str | None = None) -> None:
        self.users[user_id] = {"id": user_id, "name": name.lower().replace(" ", "."), "real_name": name,
                               "profile": {"real_name": name, "display_name": name, "email": email}}

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        """The next ``times`` calls of ``method`` get 429 with ``Retry-After``."""
        self.limits[method] = [retry_after] * times

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until ``predicate()`` is truthy (returns its value) or fail after ``timeout``."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s; calls: {[c.method for c in self.calls]}")
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), timeout=min(remaining, 0.2))
            except TimeoutError:
                pass

    async def start(self, port: int = 0) -> FakeSlack:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/hooks/{name}", self._hook)
        app.router.add_get("/link", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def _args(self, request: web.Request) -> dict[str, Any]:
        raw = await request.text()
        if request.content_type == "application/json":
            return dict(json.loads(raw or "{}"))
        args: dict[str, Any] = dict(parse_qsl(raw, keep_blank_values=True))
        for key in ("blocks", "attachments"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        args.update({k: v for k, v in request.query.items() if k not in args})
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or args.get("token")
        waits = self.limits.get(method)
        if waits:
            retry_after = waits.pop(0)
            self.calls.append(Call(method=f"{method}:429", args=args, token=token))
            self.changed.set()
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": str(retry_after)})
        self.calls.append(Call(method=method, args=args, token=token))
        self.changed.set()
        return web.json_response(self._answer(method, args))

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": "BFLOW", "team_id": "T111", "user": "flowdesk"}
        if method in ("chat.postMessage", "chat.update"):
            channel = str(args.get("channel", ""))
            if channel in self.not_postable:
                return {"ok": False, "error": "not_in_channel"}
            ts = args.get("ts") or f"1700000000.{next(self._ts):06d}"
            return {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts, "text": args.get("text")}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}
        if method == "users.lookupByEmail":
            for user in self.users.values():
                if user["profile"].get("email") == args.get("email"):
                    return {"ok": True, "user": user}
            return {"ok": False, "error": "users_not_found"}
        if method == "users.info":
            user = self.users.get(str(args.get("user")))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"}
        if method == "oauth.v2.access":
            return {"ok": True, "app_id": "A111", "access_token": "xoxb-installed", "token_type": "bot",
                    "scope": "commands,chat:write", "bot_user_id": BOT_USER,
                    "team": {"id": "T222", "name": "Other"}, "enterprise": {"id": "E111", "name": "Org"},
                    "authed_user": {"id": "U222"}, "is_enterprise_install": False}
        return {"ok": True}

    async def push(self, envelope: dict[str, Any]) -> None:
        """Socket Mode: deliver an envelope to the first connected app."""
        await self.wait_for(lambda: self.sockets)
        await self.sockets[0].send_json(envelope)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.sockets.append(socket)
        self.changed.set()
        await socket.send_json({"type": "hello", "num_connections": 1})
        async for message in socket:
            if message.type.name == "TEXT":
                self.socket_acks.append(json.loads(message.data))
                self.changed.set()
        self.sockets.remove(socket)
        return socket

    async def close(self) -> None:
        for socket in list(self.sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _hook(self, request: web.Request) -> web.Response:
        self.hooks.append((request.match_info["name"], json.loads(await request.text() or "{}")))
        self.changed.set()
        return web.Response(text="ok")
