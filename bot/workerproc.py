"""``flowdesk worker``: the background worker alone, for deployments that split it from the web."""

from __future__ import annotations

import asyncio
import signal

from bot.config import Settings
from bot.runtime import Runtime


async def run_worker(settings: Settings, *, host: str = "127.0.0.1", port: int = 0) -> None:
    """Deliver the outbox and run schedules until SIGTERM/SIGINT; queued work stays queued.

    With ``port``, /healthz, /readyz and /metrics answer on ``host:port`` (``bot.scale.probes``).
    """
    from bot.scale.probes import build_probe_app, start_probes

    runtime = Runtime(settings=settings, nlu=_NoNLU())
    _add_sending_adapters(runtime)
    queued = settings.redis_url is not None
    await runtime.start(run_worker=not queued, load_nlu_now=False)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    probes = await start_probes(build_probe_app(database=runtime.database, redis_url=settings.redis_url,
                                                stopping=stop), host=host, port=port) if port else None
    try:
        if queued:
            from bot.scale.workers import run_queue_worker

            await run_queue_worker(runtime.worker, str(settings.redis_url), stop=stop)
        else:
            await stop.wait()
    finally:
        if probes is not None:
            await probes.cleanup()
        await runtime.close()


def _add_sending_adapters(runtime: Runtime) -> None:
    from bot.console.adapter import ConsoleAdapter

    settings = runtime.settings
    runtime.add_adapter(ConsoleAdapter(runtime=runtime))  # posts into console threads in the database
    if settings.slack_enabled:
        from bot.adapters.slack import SlackAdapter

        runtime.add_adapter(SlackAdapter(settings=settings, runtime=runtime))
    if settings.teams_enabled:
        from bot.adapters.teams import TeamsAdapter

        runtime.add_adapter(TeamsAdapter(settings=settings, runtime=runtime))


class _NoNLU:
    """The worker understands no messages; it only delivers."""

    info: dict[str, object] = {}

    async def parse(self, message: object) -> object:
        raise RuntimeError("the worker does not parse messages")

    async def say(self, **_: object) -> None:
        return None
