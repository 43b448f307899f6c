"""Assembles one process: settings -> database, connectors, NLU, pipeline, adapters, worker.

``flowdesk serve``, ``flowdesk worker`` and ``flowdesk chat`` all build a Runtime;
tests build one with a test double of the NLU.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import structlog

from bot import dedup
from bot.adapters.base import PlatformAdapter
from bot.config import Settings
from bot.directory import PeopleDirectory
from bot.dispatch import Dispatcher
from bot.models import Message, Parse
from bot.nlu import NLUEngine, load_nlu
from bot.notices import NoticeSender
from bot.storage import Database
from bot.worker import OutboxWorker
from connectors.registry import ConnectorRegistry

log = structlog.get_logger(__name__)


class LazyNLU:
    """Loads the model in a thread at start so the server answers health checks meanwhile.

    ``swap`` serves another model from then on; the one it replaced is let go (``unload``)
    once no parse or reply under way still uses it, so a long-running process holds only
    the model that serves.
    """

    def __init__(self, loader: Callable[[], NLUEngine], *,
                 unload: Callable[[NLUEngine], None] | None = None) -> None:
        self._loader = loader
        self._unload = unload or forget_engine
        self._task: asyncio.Future[NLUEngine] | None = None
        self.info: dict[str, Any] = {}
        self._in_use: dict[int, int] = {}
        """Calls under way per engine (by id)."""
        self._retired: list[NLUEngine] = []
        """Replaced engines waiting for their last call to finish."""

    def swap(self, engine: NLUEngine) -> None:
        """Serve ``engine`` from now on; parses already under way finish on the engine they had."""
        previous = self._task
        future: asyncio.Future[NLUEngine] = asyncio.get_running_loop().create_future()
        future.set_result(engine)
        self._task, self.info = future, engine.info
        self._retired = [e for e in self._retired if e is not engine]
        if previous is not None:
            previous.add_done_callback(self._retire)  # at once when done; else when its load ends

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(asyncio.to_thread(self._loader))

    @property
    def ready(self) -> bool:
        return self._task is not None and self._task.done() and self._task.exception() is None

    def serving(self) -> NLUEngine | None:
        """The engine that serves now, or None while it loads (never waits: for worker threads)."""
        return self._task.result() if self.ready else None  # type: ignore[union-attr]

    @property
    def retired(self) -> int:
        """Replaced engines still held for calls under way."""
        return len(self._retired)

    async def engine(self) -> NLUEngine:
        self.start()
        task = self._task
        assert task is not None
        engine = await task
        if task is self._task:  # a swap meanwhile: its info stands
            self.info = engine.info
        return engine

    async def parse(self, message: Message) -> Parse:
        engine = await self._hold()
        try:
            return await engine.parse(message)
        finally:
            self._let_go(engine)

    async def say(self, *, intent: str, args: dict[str, Any], status: str, summary: str) -> str | None:
        engine = await self._hold()
        try:
            return await engine.say(intent=intent, args=args, status=status, summary=summary)
        finally:
            self._let_go(engine)

    async def _hold(self) -> NLUEngine:
        engine = await self.engine()
        self._in_use[id(engine)] = self._in_use.get(id(engine), 0) + 1
        return engine

    def _let_go(self, engine: NLUEngine) -> None:
        left = self._in_use.pop(id(engine), 1) - 1
        if left:
            self._in_use[id(engine)] = left
        self._unload_idle()

    def _retire(self, task: asyncio.Future[NLUEngine]) -> None:
        if task.cancelled() or task.exception() is not None:
            return
        engine = task.result()
        if engine is not self._serving() and all(e is not engine for e in self._retired):
            self._retired.append(engine)
        self._unload_idle()

    def _serving(self) -> NLUEngine | None:
        task = self._task
        return task.result() if task is not None and task.done() and not task.cancelled() \
            and task.exception() is None else None

    def _unload_idle(self) -> None:
        serving = self._serving()
        for engine in list(self._retired):
            if engine is not serving and not self._in_use.get(id(engine)):
                self._retired.remove(engine)
                self._unload(engine)


def forget_engine(engine: NLUEngine) -> None:
    """Let a replaced model go: out of the NLU's cache, it is freed with its last reference."""
    forget = getattr(type(engine), "forget", None)
    model_dir = getattr(engine, "model_dir", None)
    if callable(forget) and model_dir is not None and forget(model_dir, instance=engine):
        log.info("nlu.unloaded", model_dir=str(model_dir))


class Runtime:
    """The parts of one flowdesk process, started and closed together."""

    def __init__(self, *, settings: Settings, nlu: NLUEngine | None = None,
                 registry: ConnectorRegistry | None = None) -> None:
        self.settings = settings
        self.database = Database(url=settings.effective_database_url)
        self.registry = registry or ConnectorRegistry.load(settings.model_dump())
        self.lazy_nlu = LazyNLU(lambda: load_nlu(settings.model_dir)) if nlu is None else None
        self.nlu: Any = nlu if nlu is not None else self.lazy_nlu
        self.directory = PeopleDirectory()
        self.adapters: dict[str, PlatformAdapter] = {}
        self.worker = OutboxWorker(database=self.database, deliverers={}, ticks=())
        options: dict[str, Any] = dict(database=self.database, registry=self.registry, nlu=self.nlu,
                                       directory=self.directory, on_commit=self.worker.wake)
        self.scale = _scale_out(settings)
        self.dispatcher = self.scale.dispatcher(**options) if self.scale else Dispatcher(**options)
        self._worker_task: asyncio.Task[None] | None = None
        self.model_watcher = _model_watcher(self.database, settings, self.lazy_nlu)
        from bot.lifecycle.feedback import FeedbackRecorder

        self.dispatcher.feedback = FeedbackRecorder(
            self.database, model_version=lambda: (getattr(self.nlu, "info", None) or {}).get("version"),
            buttons=settings.rating_buttons)

    def add_adapter(self, adapter: PlatformAdapter) -> None:
        self.adapters[adapter.platform] = adapter

    @property
    def nlu_ready(self) -> bool:
        return self.lazy_nlu.ready if self.lazy_nlu is not None else True

    async def start(self, *, run_worker: bool = True, load_nlu_now: bool = True) -> None:
        """Migrate, start connectors and adapters, begin loading the NLU, start the worker."""
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        await self.database.upgrade()
        await self.registry.start()
        if self.lazy_nlu is not None:
            _lend_encoder(self.registry)
            _lend_receipt_reader(self.registry, self.lazy_nlu)
        for adapter in self.adapters.values():
            await adapter.start()
        self.worker.deliverers.update(self._deliverers())
        self.worker.ticks = tuple(self._ticks())
        if self.lazy_nlu is not None and load_nlu_now:
            self.lazy_nlu.start()
        if self.model_watcher is not None and load_nlu_now:
            self.model_watcher.start()
        if run_worker and self.scale is None:  # with Redis, `flowdesk worker` delivers from the queue
            self._worker_task = asyncio.get_running_loop().create_task(self.worker.run())

    async def close(self) -> None:
        self.worker.stop()
        if self.model_watcher is not None:
            await self.model_watcher.stop()
        if self._worker_task is not None:
            await asyncio.wait_for(self._worker_task, timeout=10)
        if self.scale is not None:
            await self.scale.close()
        for adapter in self.adapters.values():
            await adapter.close()
        await self.registry.close()
        await self.database.close()

    def _deliverers(self) -> dict[str, Any]:
        deliverers: dict[str, Any] = {"notice": NoticeSender(database=self.database, adapters=self.adapters)}
        for kind, connector in self.registry.deliverers().items():
            deliverers[kind] = lambda payload, key, c=connector, k=kind: c.deliver(k, payload, key=key)
        return deliverers

    def _ticks(self) -> list[Any]:
        from bot.outbox import SqlOutbox

        outbox = SqlOutbox()

        async def tick(connector: Any, now: Any) -> None:
            async with self.database.transaction() as session:
                notices = await connector.tick(session, now=now, outbox=outbox)
                await outbox.enqueue_notices(session, notices)
            if notices:
                self.worker.wake()

        async def forget_old_deliveries(now: Any) -> None:
            async with self.database.transaction() as session:
                await dedup.prune(session, now=now)

        return [forget_old_deliveries, *(lambda now, c=connector: tick(c, now) for connector in self.registry.connectors)]


def _model_watcher(database: Database, settings: Settings, lazy: LazyNLU | None) -> Any:
    """Follows promotions in the model registry (only when the runtime loads the real NLU)."""
    if lazy is None:
        return None
    from bot.lifecycle.registry import ModelRegistry
    from bot.lifecycle.watcher import ModelWatcher

    return ModelWatcher(ModelRegistry(database, settings.data_dir), lazy, configured=settings.model_dir)


def _scale_out(settings: Settings) -> Any:
    """The multi-replica mode's Redis parts when ``FLOWDESK_REDIS_URL`` is set, else None."""
    if not settings.redis_url:
        return None
    from bot.scale.mode import ScaleOut

    return ScaleOut(redis_url=settings.redis_url)


def _lend_receipt_reader(registry: ConnectorRegistry, nlu: LazyNLU) -> None:
    """Connectors that read receipts ask the serving NLU for the amount and currency."""
    from bot.receipt_reader import receipt_extractor

    for connector in registry.connectors:
        lend = getattr(connector, "use_extractor", None)
        if lend is not None:
            lend(receipt_extractor(nlu.serving))


def _lend_encoder(registry: ConnectorRegistry) -> None:
    """Connectors that match words by meaning (document headers to form fields) use the NLU's encoder."""

    def embed(texts: Any) -> Any:
        from intents.encoder import Encoder

        return Encoder.load().encode(list(texts))

    for connector in registry.connectors:
        lend = getattr(connector, "use_encoder", None)
        if lend is not None:
            lend(embed)
