"""Starts a web replica or a queue worker in its own process, with the scripted NLU, for scale tests.

    python -m tests.scale.launcher web --port 8101
    python -m tests.scale.launcher worker
    python -m tests.scale.launcher work      # started by a web replica with SCALE_WORK_PROCESS=1

Settings come from the ``FLOWDESK_*`` environment as in production; the test
adds ``SCALE_FLOWS`` (how many expense claims the NLU knows) and ``SCALE_POSTS``
(the file where the worker's platform records its posts). The web replica also
serves ``POST /test/messages`` and ``POST /test/clicks``, which hand a message
or a click to the pipeline as an adapter would, and answer once it is handled,
and ``POST /test/events``, which stores the message in the inbox, acknowledges
(202) and answers in the background as the Slack adapter does (in a backlog of
``SCALE_WORK_SLOTS`` tasks, 8 as in the Slack adapter; 0: a task per message;
with ``SCALE_WORK_PROCESS=1`` that backlog runs in a child process at nice 10,
as ``flowdesk serve`` runs the Slack adapter's work); with ``SCALE_POSTS`` set its replies and the in-process worker's notices are
recorded in that file too (load bench).
With ``FLOWDESK_SLACK_*`` set, the replica serves ``/slack/events`` as
``flowdesk serve`` does (the work in the web process, since the NLU is scripted).
``SCALE_NLU_DELAY`` slows each parse; ``SCALE_INBOX_LEASE`` / ``SCALE_INBOX_SWEEP``
/ ``SCALE_IN_FLIGHT_MS`` shorten the inbox lease, its sweep and the Redis
in-flight mark (seconds, seconds, ms) so fault tests need not wait 30 s.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from aiohttp import web

from bot.adapters.slack.backlog import Backlog
from bot.config import load_settings
from bot.inbox import Inbox, Item, Sweeper
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


EVENTS = web.AppKey("events", object)


class Events:
    """``/test/events`` as the Slack adapter takes deliveries: inbox first, acknowledge, answer in a backlog."""

    def __init__(self, runtime: Runtime, *, slots: int, child: bool = False) -> None:
        self.runtime = runtime
        self.inbox = Inbox(runtime.database)
        self.sweeper = Sweeper(self.inbox, platform="test", take=self.take)
        self.backlog = Backlog(workers=slots, size=100_000) if slots else None
        self.tasks: set[asyncio.Task[None]] = set()
        self.child: asyncio.subprocess.Process | None = None
        self.use_child = child

    def take(self, item: Item) -> None:
        if self.child is not None:
            assert self.child.stdin is not None
            self.child.stdin.write(json.dumps(item.to_json()).encode() + b"\n")
            return
        job = lambda: self.inbox.run(item, self.answer)  # noqa: E731
        if self.backlog is not None:
            self.backlog.offer(job)  # type: ignore[arg-type]
            return
        task = asyncio.get_running_loop().create_task(job())  # type: ignore[arg-type]
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def answer(self, item: Item) -> None:
        message = Message.model_validate(item.payload["message"])
        reply = await self.runtime.dispatcher.handle_message(message, delivery_key=item.key)
        if reply is not None:
            await self.runtime.adapters[flows.PLATFORM].send(message.address(), reply)

    async def start(self, _: web.Application) -> None:
        if self.use_child:
            self.child = await asyncio.create_subprocess_exec(sys.executable, "-m", "tests.scale.launcher", "work",
                                                              stdin=asyncio.subprocess.PIPE)
        self.sweeper.start()

    async def finish(self, _: web.Application) -> None:
        await self.sweeper.close()
        if self.child is not None and self.child.stdin is not None:
            self.child.stdin.close()
            await asyncio.wait_for(self.child.wait(), timeout=30)
        if self.backlog is not None:
            await self.backlog.close(timeout=15)
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=15)
        await self.inbox.close()


async def post_event(request: web.Request) -> web.Response:
    body = await request.json()
    message = Message.model_validate(body["message"])
    events: Events = request.app[EVENTS]  # type: ignore[assignment]
    item = await events.inbox.put(platform="test", kind="message", key=body.get("delivery_key") or message.id,
                                  payload=body)
    if item is not None:
        events.take(item)
    return web.json_response({"ok": True}, status=202)


async def post_click(request: web.Request) -> web.Response:
    interaction = Interaction.model_validate(await request.json())
    reply = await request.app[RUNTIME].dispatcher.handle_interaction(interaction)
    return web.json_response({"reply": reply.model_dump(mode="json") if reply else None})


def shorten_waits() -> None:
    """Test knobs: a shorter inbox lease and sweep, a shorter Redis in-flight mark (keep lease/2 above it)."""
    from datetime import timedelta

    from bot import inbox
    from bot.scale import guard

    if os.environ.get("SCALE_INBOX_LEASE"):
        inbox.LEASE = timedelta(seconds=float(os.environ["SCALE_INBOX_LEASE"]))
    if os.environ.get("SCALE_INBOX_SWEEP"):
        inbox.SWEEP_EVERY_S = float(os.environ["SCALE_INBOX_SWEEP"])
    if os.environ.get("SCALE_IN_FLIGHT_MS"):
        guard.IN_FLIGHT_MS = int(os.environ["SCALE_IN_FLIGHT_MS"])


def scripted_nlu() -> ScriptedNLU:
    nlu = flows.teach_claims(ScriptedNLU(), int(os.environ.get("SCALE_FLOWS", "0")))
    delay = float(os.environ.get("SCALE_NLU_DELAY", "0"))
    if delay:
        parse = nlu.parse

        async def slow_parse(message: Message) -> object:
            await asyncio.sleep(delay)
            return await parse(message)

        nlu.parse = slow_parse  # type: ignore[method-assign]
    nlu.teach("help", "help")
    return nlu


def web_app() -> web.Application:
    shorten_waits()
    settings = load_settings()
    runtime = Runtime(settings=settings, nlu=scripted_nlu())
    app = build_app(runtime)
    if os.environ.get("SCALE_POSTS"):
        runtime.adapters[flows.PLATFORM] = flows.RecordingAdapter(Path(os.environ["SCALE_POSTS"]))
    events = Events(runtime, slots=int(os.environ.get("SCALE_WORK_SLOTS", "8")),
                    child=os.environ.get("SCALE_WORK_PROCESS") == "1")
    app[EVENTS] = events
    app.on_startup.append(events.start)
    app.on_shutdown.insert(0, events.finish)
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


async def work() -> None:
    """The child of a web replica: answers the stored items it reads on stdin, at nice 10."""
    os.nice(10)
    shorten_waits()
    runtime = Runtime(settings=load_settings(), nlu=scripted_nlu())
    runtime.adapters[flows.PLATFORM] = flows.RecordingAdapter(Path(os.environ["SCALE_POSTS"]))
    await runtime.start(run_worker=False)
    events = Events(runtime, slots=int(os.environ.get("SCALE_WORK_SLOTS", "8")) or 8)
    assert events.backlog is not None
    reader = asyncio.StreamReader(limit=8 * 1024 * 1024)
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        item = Item.from_json(json.loads(line))
        await events.backlog.put(lambda item=item: events.inbox.run(item, events.answer))  # type: ignore[misc]
    await events.backlog.close(timeout=60)
    await events.inbox.close()
    await runtime.close()


def main(argv: list[str]) -> None:
    if argv[0] == "web":
        port = int(argv[argv.index("--port") + 1])
        web.run_app(web_app(), host="127.0.0.1", port=port, print=None, shutdown_timeout=20)
    elif argv[0] == "work":
        asyncio.run(work())
    else:
        asyncio.run(worker())


if __name__ == "__main__":
    main(sys.argv[1:])
