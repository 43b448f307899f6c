"""The registry: versions recorded with their facts, promotion guarded by evaluation, rollback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.lifecycle.registry import ModelRegistry, PromotionRefused, RegistryError, compare
from bot.storage import Database


def fake_model(root: Path, version: str, *, sha: str = "abc") -> Path:
    """A model directory as far as the registry reads it (its manifest)."""
    path = root / f"out-{version}"
    path.mkdir(parents=True)
    (path / "model.json").write_text(json.dumps({
        "name": "flowdesk.intents.test", "version": version, "created": "2026-11-23T10:00:00+00:00",
        "labels": ["a", "b"], "data": {"sha256": sha}, "metrics": {"held_out_intent_accuracy": 0.9}}))
    (path / "head.npz").write_bytes(b"weights")
    return path


@pytest.fixture
async def registry(data_dir: Path) -> AsyncIterator[ModelRegistry]:
    database = Database(url=f"sqlite+aiosqlite:///{data_dir / 'flowdesk.db'}")
    await database.upgrade()
    yield ModelRegistry(database, data_dir)
    await database.close()


async def test_register_copies_the_model_and_records_its_facts(registry: ModelRegistry, tmp_path: Path) -> None:
    first = await registry.register(fake_model(tmp_path, "v1", sha="d1"), metrics={"intent_accuracy": 0.8})
    assert first.path == (registry.store / "v1").resolve() and (first.path / "head.npz").read_bytes() == b"weights"
    await registry.promote("v1")
    second = await registry.register(fake_model(tmp_path, "v2", sha="d2"))
    assert second.parent == "v1"  # trained while v1 served
    listed = await registry.versions()
    assert [(v.version, v.data_sha256, v.parent) for v in listed] == [("v1", "d1", None), ("v2", "d2", "v1")]
    assert listed[0].metrics == {"intent_accuracy": 0.8}
    with pytest.raises(RegistryError, match="already registered"):
        await registry.register(fake_model(tmp_path / "again", "v1"))


async def test_promote_and_roll_back_walk_the_history(registry: ModelRegistry, tmp_path: Path) -> None:
    for v in ("v1", "v2", "v3"):
        await registry.register(fake_model(tmp_path, v))
    assert await registry.serving_version() is None
    with pytest.raises(RegistryError, match="nothing to roll back"):
        await registry.rollback()
    for v in ("v1", "v2", "v3"):
        await registry.promote(v)
    assert await registry.serving_version() == "v3"
    assert await registry.rollback() == "v2"
    assert await registry.rollback() == "v1"
    assert await registry.rollback() is None  # past the first promotion: the configured model again
    assert await registry.serving_version() is None and await registry.serving() is None
    with pytest.raises(RegistryError, match="the configured model serves"):
        await registry.rollback()
    assert [(h["kind"], h["version"]) for h in await registry.history()][3:] == [
        ("rollback", "v2"), ("rollback", "v1"), ("rollback", None)]
    await registry.promote("v3")  # promoting again starts from the configured model
    assert await registry.rollback() is None
    with pytest.raises(RegistryError, match="no registered version"):
        await registry.promote("v9")


async def test_a_worse_model_is_refused_unless_forced(registry: ModelRegistry, tmp_path: Path) -> None:
    scores = {"good": {"intent_accuracy": 0.92, "oos_recall": 0.8},
              "slightly": {"intent_accuracy": 0.91, "oos_recall": 0.8},
              "bad": {"intent_accuracy": 0.70, "oos_recall": 0.85}}
    for v in scores:
        await registry.register(fake_model(tmp_path, v))

    def evaluator(path: Path) -> dict[str, Any]:
        return scores[path.name]

    await registry.promote("good", evaluator=evaluator)
    await registry.promote("slightly", evaluator=evaluator, margin=0.02)  # within the margin
    with pytest.raises(PromotionRefused) as refused:
        await registry.promote("bad", evaluator=evaluator, margin=0.02)
    assert refused.value.regressions == {"intent_accuracy": (0.91, 0.70)}
    assert await registry.serving_version() == "slightly"
    result = await registry.promote("bad", evaluator=evaluator, force=True)
    assert result["previous"] == "slightly" and await registry.serving_version() == "bad"
    assert (await registry.history())[-1]["forced"] is True


def test_compare_ignores_metrics_the_serving_model_lacks() -> None:
    assert compare({"intent_accuracy": 0.9, "slot_f1": None}, {"intent_accuracy": 0.89, "slot_f1": 0.1}, 0.02) == {}
    assert compare({"oos_recall": 0.9}, {"oos_recall": None}, 0.02) == {"oos_recall": (0.9, 0.0)}


def test_cli_register_list_promote_rollback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLOWDESK_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    for v in ("20261101000000", "20261102000000"):
        result = runner.invoke(app, ["models", "register", str(fake_model(tmp_path, v))])
        assert result.exit_code == 0, result.output
        assert runner.invoke(app, ["models", "promote", v]).exit_code == 0
    listed = json.loads(runner.invoke(app, ["models", "list", "--json"]).stdout)
    assert [(v["version"], v["serving"], v["parent"]) for v in listed] == [
        ("20261101000000", False, None), ("20261102000000", True, "20261101000000")]
    result = runner.invoke(app, ["models", "rollback"])
    assert result.exit_code == 0 and "20261101000000 serves now" in result.output
    result = runner.invoke(app, ["models", "rollback"])
    assert result.exit_code == 0 and "the configured model serves now" in result.output
    result = runner.invoke(app, ["models", "rollback"])
    assert result.exit_code == 2 and "nothing to roll back" in result.output
    result = runner.invoke(app, ["models", "promote", "nope"])
    assert result.exit_code == 2 and "no registered version nope" in result.output


async def test_registry_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    database = Database(url=postgres_url)
    await database.upgrade()
    try:
        registry = ModelRegistry(database, tmp_path / "data")
        for v in ("v1", "v2"):
            await registry.register(fake_model(tmp_path, v))
            await registry.promote(v)
        assert await registry.rollback() == "v1"
        assert [(v.version, v.parent) for v in await registry.versions()] == [("v1", None), ("v2", "v1")]
        assert (await registry.history())[0]["forced"] is False
    finally:
        await database.close()
