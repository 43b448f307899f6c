"""The model registry: every trained model a version, and which version serves.

A registered model is copied into ``DATA_DIR/models/VERSION`` and its files are kept in
the database, so the directory that served can always be found again and a replica
without it writes it into its own data dir (``materialise``). Which version serves is the
latest row of ``model_promotions`` (a NULL version: the configured model again); promotion
and rollback only add rows, so the history of what served when is never lost.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bot.errors import BotError
from bot.lifecycle import files
from bot.lifecycle.tables import model_promotions, model_versions
from bot.storage import Database

MANIFEST = "model.json"
GUARDED = ("intent_accuracy", "oos_recall", "frame_accuracy", "slot_f1")
"""Metrics where higher is better; promotion compares these on the team's evaluation file."""
DEFAULT_MARGIN = 0.02

Evaluator = Callable[[Path], Mapping[str, Any]]
"""Model directory -> the metrics of ``flowdesk eval`` on the team's evaluation file."""


class RegistryError(BotError):
    """A registry operation that cannot be done (unknown version, nothing to roll back to)."""


class PromotionRefused(RegistryError):
    """The candidate is worse than the serving model beyond the margin."""

    def __init__(self, message: str, *, regressions: dict[str, tuple[float, float]]) -> None:
        super().__init__(message)
        self.regressions = regressions


@dataclass(frozen=True)
class ModelVersion:
    version: str
    name: str
    path: Path
    """Its directory in this process's data dir (``ModelRegistry.materialise`` writes it when missing)."""
    data_sha256: str | None
    parent: str | None
    labels: list[str]
    metrics: dict[str, Any]
    created_at: datetime
    recorded_path: Path | None = None
    """Where the registering process put it (the only copy of versions registered before files were kept)."""


class ModelRegistry:
    """Registers, lists, promotes and rolls back model versions."""

    def __init__(self, database: Database, data_dir: Path) -> None:
        self.database = database
        self.store = Path(data_dir) / "models"

    async def register(self, model_dir: Path, *, metrics: Mapping[str, Any] | None = None,
                       parent: str | None = None) -> ModelVersion:
        """Copy a trained model into the data dir and the database; ``parent`` defaults to the serving one."""
        model_dir = Path(model_dir)
        try:
            manifest = json.loads((model_dir / MANIFEST).read_text())
        except (OSError, ValueError) as exc:
            raise RegistryError(f"{model_dir} is not a flowdesk model directory ({exc})") from None
        version = str(manifest["version"])
        if await self.get(version) is not None:
            raise RegistryError(f"version {version} is already registered")
        if parent is None:
            parent = await self.serving_version()
        target = self.store / version
        await asyncio.to_thread(files.copy_into, model_dir, target)
        data = manifest.get("data") or {}
        values = {"version": version, "name": manifest.get("name", ""), "path": str(target.resolve()),
                  "data_sha256": data.get("sha256"), "parent": parent, "labels": list(manifest.get("labels", [])),
                  "metrics": dict(metrics or {}), "created_at": _parse_time(manifest.get("created")),
                  "registered_at": datetime.now(UTC)}
        try:
            async with self.database.transaction() as session:
                await session.execute(model_versions.insert().values(**values))
                await files.store(session, version, target)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        return self._version(_Obj(values))

    async def materialise(self, version: ModelVersion | str) -> Path:
        """The version's directory in this data dir, written from the database when missing."""
        found = version if isinstance(version, ModelVersion) else await self.get(version)
        if found is None:
            raise RegistryError(f"no registered version {version}")
        if (found.path / MANIFEST).is_file():
            return found.path
        if await files.materialise(self.database, found.version, found.path):
            return found.path
        if found.recorded_path is not None and (found.recorded_path / MANIFEST).is_file():
            return found.recorded_path  # registered before files were kept: shared storage
        raise RegistryError(f"the files of version {found.version} are neither in {found.path} nor in the database")

    async def get(self, version: str) -> ModelVersion | None:
        async with self.database.sessions() as session:
            row = (await session.execute(sa.select(model_versions).where(model_versions.c.version == version))).first()
        return self._version(row) if row else None

    async def versions(self) -> list[ModelVersion]:
        """All versions, oldest first."""
        async with self.database.sessions() as session:
            rows = (await session.execute(sa.select(model_versions).order_by(model_versions.c.created_at,
                                                                              model_versions.c.version))).all()
        return [self._version(r) for r in rows]

    async def serving_version(self) -> str | None:
        """The promoted version (None: nothing promoted, or rolled back to the configured model)."""
        async with self.database.sessions() as session:
            row = (await session.execute(
                sa.select(model_promotions.c.version).order_by(model_promotions.c.id.desc()).limit(1))).first()
        return row.version if row else None

    async def serving(self) -> ModelVersion | None:
        version = await self.serving_version()
        return await self.get(version) if version else None

    async def history(self) -> list[dict[str, Any]]:
        """Promotions and rollbacks, oldest first."""
        async with self.database.sessions() as session:
            rows = (await session.execute(sa.select(model_promotions).order_by(model_promotions.c.id))).all()
        return [dict(r._mapping) for r in rows]

    async def promote(self, version: str, *, evaluator: Evaluator | None = None,
                      margin: float = DEFAULT_MARGIN, force: bool = False) -> dict[str, Any]:
        """Make ``version`` serve; with an evaluator, refuse a model worse than the serving one.

        Both models are measured on the same evaluation file (``evaluator``, in a thread so a
        serving process keeps answering); a guarded metric lower than the serving model's by
        more than ``margin`` refuses the promotion unless forced.
        """
        candidate = await self.get(version)
        if candidate is None:
            raise RegistryError(f"no registered version {version}")
        current = await self.serving()
        report: dict[str, Any] | None = None
        if evaluator is not None:
            new = dict(await asyncio.to_thread(evaluator, await self.materialise(candidate)))
            old = dict(await asyncio.to_thread(evaluator, await self.materialise(current))) if current else None
            report = {"candidate": new, "serving": old}
            regressions = compare(old, new, margin) if old is not None else {}
            if regressions and not force:
                worse = ", ".join(f"{k} {o:.3f} -> {n:.3f}" for k, (o, n) in regressions.items())
                raise PromotionRefused(f"version {version} is worse than {current.version if current else '-'} "
                                       f"beyond the margin {margin}: {worse} (use --force to promote anyway)",
                                       regressions=regressions)
        await self._record(version, previous=current.version if current else None, kind="promote",
                           forced=force, report=report)
        return {"version": version, "previous": current.version if current else None, "eval": report}

    async def rollback(self) -> str | None:
        """Serve again what served before the current version was promoted (None: the configured model)."""
        current = await self.serving_version()
        if current is None:
            raise RegistryError("the configured model serves; nothing to roll back")
        async with self.database.sessions() as session:
            previous = await session.scalar(
                sa.select(model_promotions.c.previous)
                .where(model_promotions.c.version == current, model_promotions.c.kind == "promote")
                .order_by(model_promotions.c.id.desc()).limit(1))
        await self._record(previous, previous=current, kind="rollback", forced=False, report=None)
        return str(previous) if previous is not None else None

    def _version(self, row: Any) -> ModelVersion:
        return ModelVersion(version=row.version, name=row.name, path=(self.store / row.version).resolve(),
                            data_sha256=row.data_sha256, parent=row.parent, labels=list(row.labels),
                            metrics=dict(row.metrics), created_at=row.created_at,
                            recorded_path=Path(row.path) if row.path else None)

    async def _record(self, version: str | None, *, previous: str | None, kind: str, forced: bool,
                      report: dict[str, Any] | None) -> None:
        async with self.database.transaction() as session:
            await session.execute(model_promotions.insert().values(
                version=version, previous=previous, kind=kind, forced=forced, eval=report, at=datetime.now(UTC)))


def compare(old: Mapping[str, Any], new: Mapping[str, Any], margin: float) -> dict[str, tuple[float, float]]:
    """The guarded metrics where ``new`` is lower than ``old`` by more than ``margin``."""
    out: dict[str, tuple[float, float]] = {}
    for key in GUARDED:
        o, n = old.get(key), new.get(key)
        if o is None:
            continue
        n = 0.0 if n is None else float(n)
        if n < float(o) - margin:
            out[key] = (float(o), n)
    return out


def eval_file_evaluator(data: Path) -> Evaluator:
    """Measure a model directory with ``flowdesk eval``'s metrics on ``data``."""

    def run(model_dir: Path) -> Mapping[str, Any]:
        from intents.data import load_examples
        from intents.evaluate import evaluate
        from intents.pipeline import NLU

        examples = load_examples(data)
        kept = Path(model_dir).resolve() in NLU.cached()
        nlu = NLU.load(model_dir)
        try:
            return evaluate(nlu, examples)
        finally:
            if not kept:  # a serving process must not keep every model it measured
                NLU.forget(model_dir, instance=nlu)

    return run


class _Obj:
    def __init__(self, values: Mapping[str, Any]) -> None:
        self.__dict__.update(values)


def _parse_time(value: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return datetime.now(UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
