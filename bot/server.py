"""The aiohttp application: platform endpoints, health, readiness and metrics."""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Awaitable, Callable

import structlog
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.metrics import ACK_LATENCY, REQUESTS, observe_database
from bot.runtime import Runtime

RUNTIME = web.AppKey("runtime", Runtime)
DRAINING = web.AppKey("draining", asyncio.Event)
MAX_BODY = 1024 * 1024
GAUGES_TIMEOUT = 2.0
PLATFORM_PATHS = (("/slack/", "slack"), ("/api/messages", "teams"), ("/console/api/", "console"))

log = structlog.get_logger(__name__)


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (the console's default)."""
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_app(runtime: Runtime, *, host: str = "127.0.0.1", run_worker: bool = True) -> web.Application:
    """The web application for ``flowdesk serve``; adapters mount their own routes."""
    app = web.Application(client_max_size=MAX_BODY, middlewares=[measure_requests])
    app[RUNTIME] = runtime
    app[DRAINING] = asyncio.Event()
    _add_platform_adapters(runtime, app, host=host)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)

    async def on_startup(_: web.Application) -> None:
        await runtime.start(run_worker=run_worker)

    async def on_cleanup(_: web.Application) -> None:
        await runtime.close()

    async def on_shutdown(_: web.Application) -> None:
        app[DRAINING].set()  # /readyz says 503 while in-flight requests finish

    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    app.on_cleanup.append(on_cleanup)
    return app


def platform_of(request: web.Request) -> str | None:
    """The platform a request comes from, for the per-platform request metrics."""
    if request.method != "POST":
        return None
    return next((name for prefix, name in PLATFORM_PATHS if request.path.startswith(prefix)), None)


@web.middleware
async def measure_requests(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Counts platform requests by outcome and times their acknowledgement."""
    platform = platform_of(request)
    if platform is None:
        return await handler(request)
    started, status = time.perf_counter(), 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        outcome = "ok" if status < 400 else "rejected" if status < 500 else "error"
        REQUESTS.labels(platform=platform, outcome=outcome).inc()
        ACK_LATENCY.labels(platform=platform).observe(time.perf_counter() - started)


def _add_platform_adapters(runtime: Runtime, app: web.Application, *, host: str) -> None:
    from bot.console.adapter import ConsoleAdapter
    from bot.console.models_page import ModelsPage

    settings = runtime.settings
    console = ConsoleAdapter(runtime=runtime, exposed=not is_loopback(host), token=settings.console_token)
    runtime.add_adapter(console)
    ModelsPage(runtime=runtime, guard=console.guard).add_routes(app)
    if settings.slack_enabled:
        from bot.adapters.slack import SlackAdapter

        runtime.add_adapter(SlackAdapter(settings=settings, runtime=runtime))
    if settings.teams_enabled:
        from bot.adapters.teams import TeamsAdapter

        runtime.add_adapter(TeamsAdapter(settings=settings, runtime=runtime))
    for adapter in runtime.adapters.values():
        adapter.add_routes(app)


async def healthz(_: web.Request) -> web.Response:
    """Liveness: the process answers."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Readiness: the database answers and the models are loaded."""
    runtime = request.app[RUNTIME]
    database = await runtime.database.ping()
    models = runtime.nlu_ready
    draining = request.app[DRAINING].is_set()
    body = {"database": database, "models": models, "adapters": sorted(runtime.adapters), "draining": draining}
    return web.json_response(body, status=200 if database and models and not draining else 503)


async def metrics(request: web.Request) -> web.Response:
    try:
        await asyncio.wait_for(observe_database(request.app[RUNTIME].database), timeout=GAUGES_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - the other metrics are still worth serving
        log.warning("metrics.gauges_failed", error=repr(exc))
    response = web.Response(body=generate_latest())
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    return response
