"""Starts a web replica or a queue worker in its own process, with the scripted NLU, for scale tests.

    python -m tests.scale.launcher web --port 8101
    python -m tests.scale.launcher worker

Settings come from the ``FLOWDESK_*`` environment as in production; the test
adds ``SCALE_FLOWS`` (how many expense claims the NLU knows) and ``SCALE_POSTS``
(the file where the worker's platform records its posts). The web replica also
serves ``POST /test/messages`` and ``POST /test/clicks``, which hand a message
or a click to the pipeline as an adapter would, and answer once it is handled,
and ``POST /test/events``, which acknowledges at once (202) and answers in the
background as the Slack adapter does; with ``SCALE_POSTS`` set its replies and
the in-process worker's notices are recorded in that file too (load bench).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from aiohttp import web

from bot.config import load_settings
from bot.models import Interaction, Message
from bot.runtime import Runtime
from bot.server import RUNTIME, build_app
from tests.fakes.nlu import ScriptedNLU
from tests.scale import flows


async def post_message(request: web.Request) -> web.Response:
    body = await request.json()
    message = Message.model_validate(body["message"])
    reply = await request.app[RUNTIME].dispatcher.handle_message(message, delivery_key=body.get("delivery_key", ""))
    return web.json_response({"reply": reply.model_dump(mode="json") if reply else None})


TASKS = web.AppKey("tasks", set)


async def post_event(request: web.Request) -> web.Response:
    body = await request.json()
    message = Message.model_validate(body["message"])
    runtime = request.app[RUNTIME]
    task = asyncio.get_running_loop().create_task(answer(runtime, message, body.get("delivery_key", "")))
    request.app[TASKS].add(task)
    task.add_done_callback(request.app[TASKS].discard)
    return web.json_response({"ok": True}, status=202)


async def answer(runtime: Runtime, message: Message, key: str) -> None:
    reply = await runtime.dispatcher.handle_message(message, delivery_key=key)
    if reply is not None:
        await runtime.adapters[flows.PLATFORM].send(message.address(), reply)


async def finish_events(app: web.Application) -> None:
    if app[TASKS]:
        await asyncio.wait(set(app[TASKS]), timeout=15)


async def post_click(request: web.Request) -> web.Response:
    interaction = Interaction.model_validate(await request.json())
    reply = await request.app[RUNTIME].dispatcher.handle_interaction(interaction)
    return web.json_response({"reply": reply.model_dump(mode="json") if reply else None})


def web_app() -> web.Application:
    settings = load_settings()
    nlu = flows.teach_claims(ScriptedNLU(), int(os.environ.get("SCALE_FLOWS", "0")))
    delay = float(os.environ.get("SCALE_NLU_DELAY", "0"))
    if delay:
        parse = nlu.parse

        async def slow_parse(message: Message) -> object:
            await asyncio.sleep(delay)
            return await parse(message)

        nlu.parse = slow_parse  # type: ignore[method-assign]
    nlu.teach("help", "help")
    runtime = Runtime(settings=settings, nlu=nlu)
    app = build_app(runtime)
    if os.environ.get("SCALE_POSTS"):
        runtime.adapters[flows.PLATFORM] = flows.RecordingAdapter(Path(os.environ["SCALE_POSTS"]))
    app[TASKS] = set()
    app.on_shutdown.insert(0, finish_events)
    app.router.add_post("/test/messages", post_message)
    app.router.add_post("/test/clicks", post_click)
    app.router.add_post("/test/events", post_event)
    return app


async def worker() -> None:
    from bot.scale.workers import run_queue_worker

    settings = load_settings()
    runtime = Runtime(settings=settings, nlu=ScriptedNLU())
    runtime.add_adapter(flows.RecordingAdapter(Path(os.environ["SCALE_POSTS"])))
    await runtime.start(run_worker=settings.redis_url is None)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    try:
        if settings.redis_url:
            await run_queue_worker(runtime.worker, settings.redis_url, stop=stop)
        else:
            await stop.wait()
    finally:
        await runtime.close()


def main(argv: list[str]) -> None:
    if argv[0] == "web":
        port = int(argv[argv.index("--port") + 1])
        web.run_app(web_app(), host="127.0.0.1", port=port, print=None, shutdown_timeout=20)
    else:
        asyncio.run(worker())


if __name__ == "__main__":
    main(sys.argv[1:])
