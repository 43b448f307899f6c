"""Replicas share one database, not a disk: a version registered on one is served by another,
which writes the version's directory from the database into its own data dir first."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.lifecycle.files import ModelFilesError
from bot.lifecycle.registry import ModelRegistry, RegistryError
from bot.lifecycle.tables import model_file_chunks, model_files
from bot.lifecycle.watcher import ModelWatcher
from bot.models import Message
from bot.runtime import LazyNLU
from bot.storage import Database
from tests.conftest import postgres_schema
from tests.unit.intents.conftest import tiny_model  # noqa: F401 - the trained model, shared per session
from tests.unit.lifecycle.test_registry import fake_model


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """The one database both replicas use."""
    if request.param == "sqlite":
        db = Database(url=f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}")
        await db.upgrade()
        yield db
        await db.close()
        return
    async with postgres_schema() as url:
        db = Database(url=url)
        await db.upgrade()
        yield db
        await db.close()


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def no_configured_model() -> None:
    raise AssertionError("the promoted version must serve")


async def test_a_version_registered_on_one_replica_is_served_by_another(
        database: Database, tmp_path: Path, tiny_model: Path) -> None:  # noqa: F811
    one = ModelRegistry(database, tmp_path / "one")
    two = ModelRegistry(database, tmp_path / "two")
    registered = await one.register(tiny_model)
    await one.promote(registered.version)
    assert not (tmp_path / "two").exists()

    serving = LazyNLU(no_configured_model)  # type: ignore[arg-type]
    watcher = ModelWatcher(two, serving)
    assert await watcher.check()
    local = tmp_path / "two" / "models" / registered.version
    assert serving.info["version"] == registered.version and serving.info["model_dir"] == str(local.resolve())
    assert tree(local) == tree(tiny_model)
    assert [p.name for p in (tmp_path / "two" / "models").iterdir()] == [registered.version]  # nothing half-written
    reading = await serving.parse(Message(platform="test", user="u", text="will it rain tomorrow"))
    assert reading.intent == "weather.get"
    assert not await watcher.check()  # already serving it


async def test_a_damaged_copy_is_refused_and_nothing_is_left(database: Database, tmp_path: Path) -> None:
    one = ModelRegistry(database, tmp_path / "one")
    registered = await one.register(fake_model(tmp_path, "v1"))
    async with database.transaction() as session:
        await session.execute(sa.update(model_file_chunks).where(model_file_chunks.c.path == "head.npz")
                              .values(data=b"tampered"))
    two = ModelRegistry(database, tmp_path / "two")
    with pytest.raises(ModelFilesError, match="head.npz"):
        await two.materialise(registered.version)
    assert list((tmp_path / "two" / "models").iterdir()) == []


async def test_a_stored_name_cannot_escape_the_version_directory(database: Database, tmp_path: Path) -> None:
    one = ModelRegistry(database, tmp_path / "one")
    registered = await one.register(fake_model(tmp_path, "v1"))
    async with database.transaction() as session:
        await session.execute(sa.update(model_files).where(model_files.c.path == "head.npz")
                              .values(path="../../escaped"))
        await session.execute(sa.update(model_file_chunks).where(model_file_chunks.c.path == "head.npz")
                              .values(path="../../escaped"))
    with pytest.raises(ModelFilesError, match="refusing"):
        await ModelRegistry(database, tmp_path / "two").materialise(registered.version)
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "two" / "escaped").exists()


async def test_processes_sharing_a_data_dir_write_a_version_once(database: Database, tmp_path: Path) -> None:
    big = fake_model(tmp_path, "v1")
    (big / "weights.bin").write_bytes(bytes(range(256)) * 20_000)  # several chunks
    registered = await ModelRegistry(database, tmp_path / "one").register(big)
    replicas = [ModelRegistry(database, tmp_path / "shared") for _ in range(3)]
    paths = await asyncio.gather(*(r.materialise(registered.version) for r in replicas))
    assert len(set(paths)) == 1 and tree(paths[0]) == tree(big)
    assert [p.name for p in (tmp_path / "shared" / "models").iterdir()] == ["v1"]


async def test_a_version_registered_before_files_were_kept_needs_its_recorded_directory(
        database: Database, tmp_path: Path) -> None:
    one = ModelRegistry(database, tmp_path / "one")
    await one.register(fake_model(tmp_path, "v1"))
    async with database.transaction() as session:  # as if registered before files were kept
        await session.execute(sa.delete(model_file_chunks))
        await session.execute(sa.delete(model_files))
    recorded = (tmp_path / "one" / "models" / "v1").resolve()
    assert await ModelRegistry(database, tmp_path / "two").materialise("v1") == recorded  # shared storage
    for path in sorted((tmp_path / "one" / "models" / "v1").iterdir()):
        path.unlink()
    with pytest.raises(RegistryError, match="neither"):
        await ModelRegistry(database, tmp_path / "two").materialise("v1")
