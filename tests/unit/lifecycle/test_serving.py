"""A long-running process holds only the model that serves: a replaced version is let go once the
requests under way on it finish; a rollback past the first promotion serves the configured model."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from bot.lifecycle.registry import ModelRegistry
from bot.lifecycle.watcher import ModelWatcher
from bot.models import Message
from bot.nlu import load_nlu
from bot.runtime import LazyNLU
from bot.storage import Database
from tests.unit.intents.conftest import tiny_model  # noqa: F401 - the trained model, shared per session


def said(text: str) -> Message:
    return Message(platform="test", user="u", text=text)


def copy_as(model: Path, root: Path, version: str) -> Path:
    """The same trained weights under another version (as a retrain would produce)."""
    out = root / version
    shutil.copytree(model, out)
    manifest = json.loads((out / "model.json").read_text())
    (out / "model.json").write_text(json.dumps({**manifest, "version": version}))
    return out


@pytest.fixture
async def registry(data_dir: Path) -> AsyncIterator[ModelRegistry]:
    database = Database(url=f"sqlite+aiosqlite:///{data_dir / 'flowdesk.db'}")
    await database.upgrade()
    yield ModelRegistry(database, data_dir)
    await database.close()


def cached(paths: dict[str, Path]) -> list[str]:
    """Which of ``paths`` the NLU and its encoder cache still hold."""
    from intents.encoder import _CACHE
    from intents.pipeline import NLU

    loaded = set(NLU.cached())
    encoders = [Path(key[1]) for key in _CACHE if key[1]]
    return [name for name, path in paths.items()
            if path.resolve() in loaded or any(path.resolve() in e.resolve().parents for e in encoders)]


async def settle(serving: LazyNLU) -> None:
    for _ in range(50):
        await asyncio.sleep(0.01)
        if not serving.retired:
            return


async def test_only_the_serving_model_stays_loaded_and_a_request_in_flight_completes(
        registry: ModelRegistry, tmp_path: Path, tiny_model: Path) -> None:  # noqa: F811
    configured = copy_as(tiny_model, tmp_path, "configured")
    for v in ("v1", "v2", "v3"):
        await registry.register(copy_as(tiny_model, tmp_path / "out", v))
    paths = {"configured": configured, **{v: registry.store / v for v in ("v1", "v2", "v3")}}
    serving = LazyNLU(lambda: load_nlu(configured))
    watcher = ModelWatcher(registry, serving, configured=configured)
    assert (await serving.parse(said("order me a latte"))).intent == "coffee.order"
    assert cached(paths) == ["configured"]

    await registry.promote("v1")
    assert await watcher.check()
    await settle(serving)
    assert cached(paths) == ["v1"]

    await registry.promote("v2")
    v1 = await serving.engine()
    v1._lock.acquire()  # type: ignore[attr-defined]  # holds v1's worker mid-request
    try:
        in_flight = asyncio.create_task(serving.parse(said("will it rain tomorrow")))
        await asyncio.sleep(0.2)
        assert await watcher.check()
        await asyncio.sleep(0.1)
        assert serving.info["version"] == "v2" and serving.retired == 1
        assert cached(paths) == ["v1", "v2"]  # v1 still answers the request it started
        assert (await serving.parse(said("set an alarm for 7am"))).intent == "alarm.set"
        assert not in_flight.done()
    finally:
        v1._lock.release()  # type: ignore[attr-defined]
    assert (await in_flight).intent == "weather.get"
    await settle(serving)
    assert serving.retired == 0 and cached(paths) == ["v2"]

    await registry.promote("v3")
    assert await watcher.check()
    await settle(serving)
    assert cached(paths) == ["v3"]  # after two swaps only the serving model is held


async def test_rolling_back_past_the_first_promotion_serves_the_configured_model(
        registry: ModelRegistry, tmp_path: Path, tiny_model: Path) -> None:  # noqa: F811
    configured = copy_as(tiny_model, tmp_path, "configured")
    for v in ("v1", "v2"):
        await registry.register(copy_as(tiny_model, tmp_path / "out", v))
    serving = LazyNLU(lambda: load_nlu(configured))
    watcher = ModelWatcher(registry, serving, configured=configured)
    serving.start()
    await serving.engine()
    assert not await watcher.check()  # nothing promoted: the configured model serves
    for v in ("v1", "v2"):
        await registry.promote(v)
    assert await watcher.check() and serving.info["version"] == "v2"
    assert REGISTRY.get_sample_value("flowdesk_nlu_model_info", {"version": "v2"}) == 1

    assert await registry.rollback() == "v1"
    assert await watcher.check() and serving.info["version"] == "v1"
    assert await registry.rollback() is None
    assert await watcher.check()
    assert serving.info["model_dir"] == str(configured.resolve()) and serving.info["version"] == "configured"
    assert REGISTRY.get_sample_value("flowdesk_nlu_model_info", {"version": "v1"}) is None
    assert (await serving.parse(said("order me a latte"))).intent == "coffee.order"
    assert not await watcher.check()
