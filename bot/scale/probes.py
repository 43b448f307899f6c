"""``flowdesk worker``'s small HTTP server: liveness, readiness and Prometheus metrics.

The web replicas serve the same three paths (``bot.server``); the worker has
no platform endpoints, so it gets a bare aiohttp app on its own port
(``FLOWDESK_WORKER_PORT``). Its delivery counters
(``flowdesk_outbox_deliveries_total``) live in this process, so only its own
``/metrics`` shows them; the outbox, inbox and approvals gauges are read from
the database at scrape time, as on the web replicas.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.metrics import observe_database

log = structlog.get_logger(__name__)

PING_TIMEOUT = 2.0
STATE = web.AppKey("probe_state", dict)


def build_probe_app(*, database: Any, redis_url: str | None, stopping: asyncio.Event) -> web.Application:
    """The worker's ``/healthz``, ``/readyz`` and ``/metrics``."""
    app = web.Application()
    app[STATE] = {"database": database, "redis_url": redis_url, "stopping": stopping, "redis": None}
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.on_cleanup.append(_close_redis)
    return app


async def healthz(_: web.Request) -> web.Response:
    """Liveness: the worker's event loop answers (a blocked loop fails the probe)."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Readiness: the database answers, Redis too when the queue is on, and the worker is not stopping."""
    state = request.app[STATE]
    database = await _within(state["database"].ping())
    redis = await _within(_ping_redis(state)) if state["redis_url"] else None
    stopping = state["stopping"].is_set()
    ready = database and redis is not False and not stopping
    body = {"database": database, "redis": redis, "stopping": stopping}
    return web.json_response(body, status=200 if ready else 503)


async def metrics(request: web.Request) -> web.Response:
    try:
        await asyncio.wait_for(observe_database(request.app[STATE]["database"]), timeout=PING_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - the counters are still worth serving
        log.warning("metrics.gauges_failed", error=repr(exc))
    response = web.Response(body=generate_latest())
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    return response


async def start_probes(app: web.Application, *, host: str, port: int) -> web.AppRunner:
    """Listen on ``host:port``; the caller calls ``cleanup()`` on the runner at the end."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("worker.probes_listening", host=host, port=port)
    return runner


async def _ping_redis(state: dict[str, Any]) -> bool:
    if state["redis"] is None:
        import redis.asyncio as redis

        state["redis"] = redis.from_url(state["redis_url"], socket_connect_timeout=1, socket_timeout=1)
    return bool(await state["redis"].ping())


async def _within(check: Any) -> bool:
    try:
        return bool(await asyncio.wait_for(check, timeout=PING_TIMEOUT))
    except Exception:  # noqa: BLE001 - readiness reports any failure as not ready
        return False


async def _close_redis(app: web.Application) -> None:
    client = app[STATE]["redis"]
    if client is not None:
        await client.aclose()
