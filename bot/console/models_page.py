"""The model registry in the console: versions with their facts, promotion and rollback.

``/console/models`` lists every registered version (metrics, data hash, parent, creation
time, bytes kept in the database) and which one serves, with the history of promotions.
Promotion is guarded as on the command line: the candidate and the serving model are
measured on the evaluation file recorded with the candidate (``flowdesk models register
--eval``), and a guarded metric worse by more than the margin refuses it unless forced.
The page is protected exactly like the rest of the console (``ConsoleGuard``: loopback or
token; writes are JSON from the console's own origin).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.console.guard import ConsoleGuard, asset_response
from bot.errors import BotError
from bot.lifecycle.files import stored_sizes
from bot.lifecycle.registry import (
    DEFAULT_MARGIN,
    ModelRegistry,
    ModelVersion,
    PromotionRefused,
    eval_file_evaluator,
)

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {"models.js": "text/javascript", "models.css": "text/css"}
HISTORY = 20
"""Latest promotions and rollbacks shown."""
NO_EVAL_FILE = ("no evaluation file was recorded with version {version} (flowdesk models register --eval FILE), "
                "so it cannot be compared with the serving model; tick “promote anyway” to skip the check")


class ModelsPage:
    """Serves the registry page and its JSON API."""

    def __init__(self, *, runtime: Any, guard: ConsoleGuard) -> None:
        self.runtime = runtime
        self.guard = guard
        self.registry = ModelRegistry(runtime.database, runtime.settings.data_dir)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/console/models", self.page)
        app.router.add_get("/console/models/static/{name}", self.asset)
        app.router.add_get("/console/api/models", self.listing)
        app.router.add_post("/console/api/models/promote", self.promote)
        app.router.add_post("/console/api/models/rollback", self.rollback)

    async def page(self, request: web.Request) -> web.StreamResponse:
        return self.guard.page(request, STATIC / "models.html")

    async def asset(self, request: web.Request) -> web.StreamResponse:
        self.guard.check(request)
        return asset_response(STATIC, ASSETS, request.match_info["name"])

    async def listing(self, request: web.Request) -> web.Response:
        """Versions (oldest first), the one serving, what this process serves, recent history."""
        self.guard.check(request)
        versions = await self.registry.versions()
        serving = await self.registry.serving_version()
        sizes = await stored_sizes(self.runtime.database)
        history = (await self.registry.history())[-HISTORY:]
        configured = self.runtime.settings.model_dir
        return web.json_response({
            "serving": serving,
            "here": (getattr(self.runtime.nlu, "info", None) or {}).get("version"),
            "configured": str(configured) if configured else None,
            "margin": DEFAULT_MARGIN,
            "versions": [_version(v, serving=serving, stored=sizes.get(v.version)) for v in versions],
            "history": [{"kind": h["kind"], "version": h["version"], "previous": h["previous"],
                         "forced": bool(h["forced"]), "at": h["at"].isoformat()} for h in reversed(history)],
        })

    async def promote(self, request: web.Request) -> web.Response:
        """``{"version", "force"?, "margin"?}``: serve a version, guarded by its evaluation file."""
        self.guard.check(request)
        body = await _json(request)
        version, force, margin = body.get("version"), body.get("force", False), body.get("margin", DEFAULT_MARGIN)
        if not isinstance(version, str) or not 0 < len(version) <= 64:
            raise web.HTTPBadRequest(text="'version' must name a registered version")
        if not isinstance(force, bool):
            raise web.HTTPBadRequest(text="'force' must be true or false")
        if isinstance(margin, bool) or not isinstance(margin, int | float) or not math.isfinite(margin) \
                or not 0 <= margin <= 1:
            raise web.HTTPBadRequest(text="'margin' must be a number from 0 to 1")
        candidate = await self.registry.get(version)
        if candidate is None:
            raise web.HTTPNotFound(text=f"no registered version {version}")
        eval_file = candidate.metrics.get("eval_file")
        if not eval_file and not force:
            return _refused(NO_EVAL_FILE.format(version=version))
        evaluator = eval_file_evaluator(Path(eval_file)) if eval_file else None
        try:
            result = await self.registry.promote(version, evaluator=evaluator, margin=float(margin), force=force)
        except PromotionRefused as exc:
            return _refused(str(exc).replace("use --force", "tick “promote anyway”"),
                            regressions={k: {"serving": o, "candidate": n} for k, (o, n) in exc.regressions.items()})
        except BotError as exc:  # an unreadable evaluation file, missing model files
            return _refused(exc.message)
        return web.json_response({**result, "forced": force})

    async def rollback(self, request: web.Request) -> web.Response:
        """Serve again what served before the current version (the configured model before the first)."""
        self.guard.check(request)
        await _json(request)
        try:
            version = await self.registry.rollback()
        except BotError as exc:
            return _refused(exc.message)
        return web.json_response({"version": version})


def _version(v: ModelVersion, *, serving: str | None, stored: int | None) -> dict[str, Any]:
    return {"version": v.version, "name": v.name, "serving": v.version == serving, "parent": v.parent,
            "data_sha256": v.data_sha256, "created_at": v.created_at.isoformat(), "metrics": v.metrics,
            "eval_file": v.metrics.get("eval_file"), "stored_bytes": stored}


def _refused(message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": message, **extra}, status=409)


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="the body must be JSON (UTF-8)") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="the body must be a JSON object")
    return body
