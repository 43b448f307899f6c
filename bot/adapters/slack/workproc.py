"""The work after each acknowledgement, in a child process of the web server.

The web process only verifies, acknowledges and forwards: its event loop never
waits behind NLU inference (GIL-bound tokenisation included), database writes
or Slack calls, so acknowledgements stay fast under load. The child builds its
own runtime from the same settings, runs the pipeline and posts the answers,
while the web process's own worker delivers the notices it commits. Jobs are
inbox items (``bot.inbox``), stored before the acknowledgement, travelling as
JSON lines on the child's stdin; a child that dies is started again, and the
items it held are given back to the inbox (``on_death``), whose next sweep
hands them to the new child. When the child falls
too far behind, the web process answers "busy" rather than letting the
backlog grow.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from bot.inbox import Item

log = structlog.get_logger(__name__)

MAX_BUFFER = 8 * 1024 * 1024
"""Bytes of jobs waiting in the pipe before the web process answers "busy"."""
DEFAULT_RUNTIME = "bot.adapters.slack.workproc:default_runtime"
NICENESS = 10
"""The child yields the CPU to the web process, whose acknowledgements have a deadline."""


class WorkProcess:
    """The web side: starts the child, forwards jobs, restarts it if it dies."""

    def __init__(self, *, settings: Any, runtime_factory: str = DEFAULT_RUNTIME,
                 on_death: Callable[[], Awaitable[object]] | None = None) -> None:
        self.settings = settings
        self.runtime_factory = runtime_factory
        self.on_death = on_death
        self.proc: asyncio.subprocess.Process | None = None
        self._watch: asyncio.Task[None] | None = None
        self._closing = False

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from bot.adapters.slack.workproc import main; main()",
            stdin=asyncio.subprocess.PIPE)
        hello = {"settings": self.settings.model_dump(mode="json"), "runtime": self.runtime_factory}
        self._write(hello)
        if self._watch is None:
            self._watch = asyncio.get_running_loop().create_task(self._keep_alive())
        log.info("slack.work_process_started", pid=self.proc.pid)

    def has_room(self) -> bool:
        """False when the child is too far behind (the caller says "busy"); a child being restarted has room:
        what is stored meanwhile is adopted when its lease ends."""
        proc = self.proc
        if proc is None or proc.returncode is not None or proc.stdin is None or proc.stdin.is_closing():
            return True
        return proc.stdin.transport.get_write_buffer_size() <= MAX_BUFFER

    def submit(self, item: Item) -> bool:
        """Forward a stored item; False when the child is down or too far behind."""
        proc = self.proc
        if proc is None or proc.returncode is not None or proc.stdin is None or proc.stdin.is_closing():
            return False
        if proc.stdin.transport.get_write_buffer_size() > MAX_BUFFER:
            return False
        self._write(item.to_json())
        return True

    async def close(self, timeout: float = 30.0) -> None:
        """End of input: the child finishes what it took, then exits."""
        self._closing = True
        if self._watch is not None:
            self._watch.cancel()
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), timeout=timeout)
        except TimeoutError:
            proc.kill()
            await proc.wait()

    def _write(self, message: dict[str, Any]) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")

    async def _keep_alive(self) -> None:
        while not self._closing:
            assert self.proc is not None
            code = await self.proc.wait()
            if self._closing:
                return
            log.error("slack.work_process_died", code=code)
            if self.on_death is not None:
                try:
                    await self.on_death()
                except Exception:  # noqa: BLE001 - the leases then expire by themselves
                    log.exception("slack.work_process_release_failed")
            await asyncio.sleep(1.0)
            await self.start()


def default_runtime(settings: Any) -> Any:
    """The runtime ``flowdesk serve`` would build: the shipped NLU and the installed connectors."""
    from bot.runtime import Runtime

    return Runtime(settings=settings)


def _factory(path: str) -> Callable[[Any], Any]:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


async def _child() -> None:
    os.nice(NICENESS)
    from bot.adapters.slack.adapter import SlackAdapter
    from bot.config import Settings
    from bot.logs import configure

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=MAX_BUFFER)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    hello = json.loads(await reader.readline())
    settings = Settings(_env_file=None, **hello["settings"])
    configure(level=settings.log_level, fmt=settings.log_format)
    runtime = _factory(hello["runtime"])(settings)
    adapter = SlackAdapter(settings=settings, runtime=runtime, work_process=False)
    runtime.add_adapter(adapter)
    await runtime.start(run_worker=False)
    while line := await reader.readline():
        item = Item.from_json(json.loads(line))
        await adapter.backlog.put(lambda item=item: adapter.work.run(item))
    await adapter.backlog.close(timeout=60)
    await runtime.close()


def main() -> None:
    """Entry point of the work process (started by ``WorkProcess.start``)."""
    asyncio.run(_child())
