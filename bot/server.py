"""The aiohttp application: platform endpoints, health, readiness and metrics."""

from __future__ import annotations

import ipaddress

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.runtime import Runtime

RUNTIME = web.AppKey("runtime", Runtime)
MAX_BODY = 1024 * 1024


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
    app = web.Application(client_max_size=MAX_BODY)
    app[RUNTIME] = runtime
    _add_platform_adapters(runtime, app, host=host)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)

    async def on_startup(_: web.Application) -> None:
        await runtime.start(run_worker=run_worker)

    async def on_cleanup(_: web.Application) -> None:
        await runtime.close()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app


def _add_platform_adapters(runtime: Runtime, app: web.Application, *, host: str) -> None:
    from bot.console.adapter import ConsoleAdapter

    settings = runtime.settings
    runtime.add_adapter(ConsoleAdapter(runtime=runtime, exposed=not is_loopback(host), token=settings.console_token))
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
    body = {"database": database, "models": models, "adapters": sorted(runtime.adapters)}
    return web.json_response(body, status=200 if database and models else 503)


async def metrics(_: web.Request) -> web.Response:
    response = web.Response(body=generate_latest())
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    return response
