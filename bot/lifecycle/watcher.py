"""Serving replicas follow the registry: a promoted version replaces the model without a restart.

Each replica polls the registry every few seconds; when the promoted version changes it loads
the new model in a thread and then swaps the reference the pipeline reads. A message already
being parsed keeps the engine it started with and finishes on it, so nothing is dropped.
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
                 loader: Callable[[Path], NLUEngine] = load_nlu) -> None:
        self.registry = registry
        self.target = target
        self.interval = interval
        self.loader = loader
        self.version: str | None = None
        self._task: asyncio.Task[None] | None = None

    async def check(self) -> bool:
        """Load and swap in the promoted version if it is not the one serving; True when swapped."""
        serving = await self.registry.serving()
        if serving is None or serving.version == self.version:
            return False
        engine = await asyncio.to_thread(self.loader, serving.path)
        self.target.swap(engine)
        MODEL_SERVING.clear()
        MODEL_SERVING.labels(version=serving.version).set(1)
        log.info("nlu.swapped", version=serving.version, previous=self.version)
        self.version = serving.version
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
