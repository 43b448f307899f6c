"""A fake Slack Web API on loopback (port 0) that records every call, like bolt's mock server.

Also serves response_url webhooks (``/hooks/...``), can answer 429 with
Retry-After a chosen number of times, to test rate-limit handling, and keeps
files: shared ones are described by ``files.info`` (the file object of Slack's
docs) and served at their ``url_private_download`` to the bot token only (any
other caller gets the HTML sign-in page, as Slack answers); uploads go through
the v2 flow (``files.getUploadURLExternal``, a POST of the bytes to the upload
URL, ``files.completeUploadExternal``).
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
BOT_TOKEN = "xoxb-test-token"
SIGN_IN_PAGE = "<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to Slack</body></html>"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None


@dataclass
class Upload:
    """A file the bot uploaded and shared (files.completeUploadExternal)."""

    id: str
    name: str
    title: str
    content: bytes
    channel: str
    thread_ts: str | None
    initial_comment: str | None


@dataclass
class FakeSlack:
    """Start with ``await fake.start()``; ``fake.api_url`` goes in FLOWDESK_SLACK_API_URL."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    hooks: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    limits: dict[str, list[int]] = field(default_factory=dict)
    not_postable: set[str] = field(default_factory=set)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    contents: dict[str, bytes] = field(default_factory=dict)
    downloads: list[tuple[str, str | None]] = field(default_factory=list)
    uploads: list[Upload] = field(default_factory=list)
    bot_token: str = BOT_TOKEN

    def __post_init__(self) -> None:
        self._ts = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._pending: dict[str, dict[str, Any]] = {}
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

    def share_file(self, name: str, content: bytes, *, user: str, channel: str, ts: str,
                   thread_ts: str | None = None, mimetype: str = "application/octet-stream",
                   size: int | None = None, team: str = "T111") -> dict[str, Any]:
        """A file a person uploaded into ``channel`` (message ``ts``); its file object as events carry it.

        ``size`` is what Slack declares (the real byte count unless a test says otherwise).
        """
        file_id = f"F{next(self._file_ids):08d}"
        path = f"/files-pri/{team}-{file_id}"
        share = {"ts": ts, "channel_name": "directmessage" if channel.startswith("D") else "general",
                 "team_id": team, **({"thread_ts": thread_ts} if thread_ts else {})}
        stem, _, extension = name.rpartition(".")
        self.contents[file_id] = content
        self.files[file_id] = {
            "id": file_id, "created": 1700000000, "timestamp": 1700000000, "name": name, "title": name,
            "mimetype": mimetype, "filetype": extension.lower() if stem else "", "pretty_type": extension.upper(),
            "user": user, "user_team": team, "editable": False,
            "size": len(content) if size is None else size, "mode": "hosted", "is_external": False,
            "external_type": "", "is_public": False, "public_url_shared": False, "display_as_bot": False,
            "username": "", "url_private": f"{self.base}{path}/{name}",
            "url_private_download": f"{self.base}{path}/download/{name}",
            "permalink": f"{self.base}/files/{user}/{file_id}/{name}", "has_rich_preview": False,
            "file_access": "visible",
            "shares": {"private" if channel[:1] in "DG" else "public": {channel: [share]}},
            "channels": [channel] if channel.startswith("C") else [], "groups": [],
            "ims": [channel] if channel.startswith("D") else [],
        }
        return {k: v for k, v in self.files[file_id].items() if k not in ("shares", "channels", "groups", "ims")}

    def downloaded(self, file_id: str) -> list[str | None]:
        """The tokens each download of ``file_id`` was asked with."""
        return [token for path, token in self.downloads if f"-{file_id}/" in path]

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
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/hooks/{name}", self._hook)
        app.router.add_get("/files-pri/{file}/download/{name}", self._download)
        app.router.add_post("/upload/v1/{file_id}", self._upload)
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
        if method == "files.info":
            found = self.files.get(str(args.get("file")))
            return {"ok": True, "file": found} if found else {"ok": False, "error": "file_not_found"}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._file_ids):08d}"
            self._pending[file_id] = {"filename": args.get("filename"), "length": int(args.get("length") or 0)}
            return {"ok": True, "upload_url": f"{self.base}/upload/v1/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            return self._complete(args)
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"}
        if method == "oauth.v2.access":
            return {"ok": True, "app_id": "A111", "access_token": "xoxb-installed", "token_type": "bot",
                    "scope": "commands,chat:write", "bot_user_id": BOT_USER,
                    "team": {"id": "T222", "name": "Other"}, "enterprise": {"id": "E111", "name": "Org"},
                    "authed_user": {"id": "U222"}, "is_enterprise_install": False}
        return {"ok": True}

    def _complete(self, args: dict[str, Any]) -> dict[str, Any]:
        listed = json.loads(args.get("files") or "[]")
        if not listed or any(f.get("id") not in self._pending or "content" not in self._pending[f["id"]]
                             for f in listed):
            return {"ok": False, "error": "invalid_arguments"}
        channel = str(args.get("channel_id") or args.get("channels") or "")
        done = []
        for item in listed:
            pending = self._pending.pop(item["id"])
            name = str(pending["filename"])
            self.uploads.append(Upload(id=item["id"], name=name, title=str(item.get("title") or name),
                                       content=pending["content"], channel=channel,
                                       thread_ts=args.get("thread_ts") or None,
                                       initial_comment=args.get("initial_comment") or None))
            done.append({"id": item["id"], "title": item.get("title") or name})
        return {"ok": True, "files": done}

    async def _download(self, request: web.Request) -> web.Response:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or None
        self.downloads.append((request.path, token))
        self.changed.set()
        file_id = request.match_info["file"].rpartition("-")[2]
        if token != self.bot_token:
            return web.Response(text=SIGN_IN_PAGE, content_type="text/html")
        if file_id not in self.contents:
            return web.Response(status=404, text="file not found")
        return web.Response(body=self.contents[file_id], content_type="application/octet-stream")

    async def _upload(self, request: web.Request) -> web.Response:
        pending = self._pending.get(request.match_info["file_id"])
        if pending is None:
            return web.Response(status=404, text="unknown upload")
        content = await request.read()
        if len(content) != pending["length"]:
            return web.Response(status=400, text="length mismatch")
        pending["content"] = content
        self.changed.set()
        return web.Response(text=f"OK - {len(content)}")

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
