"""Serving replicas follow the registry: a promoted version replaces the model without a restart.

Each replica polls the registry every few seconds; when the promoted version changes it writes
the version's directory from the database if its data dir lacks it, loads the model in a thread
and then swaps the reference the pipeline reads. A message already being parsed keeps the engine
it started with and finishes on it, so nothing is dropped. A rollback past the first promotion
brings back the configured model.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import structlog
from prometheus_client import Gauge

from bot.lifecycle.registry import ModelRegistry
from bot.nlu import NLUEngine, load_nlu

log = structlog.get_logger(__name__)
POLL_SECONDS = 5.0
MODEL_SERVING = Gauge("flowdesk_nlu_model_info", "The registered model version serving (1) in this process",
                      ["version"])
"""With ``flowdesk_nlu_confidence`` (per intent, its ``_count`` gives the out-of-scope rate), lets a
dashboard put a drift next to the promotion that preceded it."""


class Swappable(Protocol):
    def swap(self, engine: NLUEngine) -> None: ...


class ModelWatcher:
    """Polls the registry and swaps the serving NLU when the promoted version changes."""

    def __init__(self, registry: ModelRegistry, target: Swappable, *, interval: float = POLL_SECONDS,
                 loader: Callable[[Path | None], NLUEngine] = load_nlu, configured: Path | None = None) -> None:
        self.registry = registry
        self.target = target
        self.interval = interval
        self.loader = loader
        self.configured = configured
        """The model that serves when no version is promoted (None: the shipped one)."""
        self.version: str | None = None
        """The registered version this process serves (None: the configured model)."""
        self._task: asyncio.Task[None] | None = None

    async def check(self) -> bool:
        """Load and swap in what the registry says serves, if this process serves something else;
        True when swapped."""
        version = await self.registry.serving_version()
        if version == self.version:
            return False
        path = await self.registry.materialise(version) if version is not None else self.configured
        engine = await asyncio.to_thread(self.loader, path)
        self.target.swap(engine)
        MODEL_SERVING.clear()
        if version is not None:
            MODEL_SERVING.labels(version=version).set(1)
        log.info("nlu.swapped", version=version or "configured", previous=self.version or "configured")
        self.version = version
        return True

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a bad model or a database blip must not stop serving
                log.warning("nlu.swap_failed", exc_info=True)
            await asyncio.sleep(self.interval)


def info_version(engine: Any) -> str | None:
    """The version an engine reports (``NLU.info``), if any."""
    return (getattr(engine, "info", None) or {}).get("version")
