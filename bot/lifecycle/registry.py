"""The model registry: every trained model a version, and which version serves.

A registered model is copied into ``DATA_DIR/models/VERSION`` so the directory that
served can always be found again, whatever happens to the training output. Which
version serves is the latest row of ``model_promotions``; promotion and rollback only
add rows, so the history of what served when is never lost.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bot.errors import BotError
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
    data_sha256: str | None
    parent: str | None
    labels: list[str]
    metrics: dict[str, Any]
    created_at: datetime


def _row(row: Any) -> ModelVersion:
    return ModelVersion(version=row.version, name=row.name, path=Path(row.path), data_sha256=row.data_sha256,
                        parent=row.parent, labels=list(row.labels), metrics=dict(row.metrics),
                        created_at=row.created_at)


class ModelRegistry:
    """Registers, lists, promotes and rolls back model versions."""

    def __init__(self, database: Database, data_dir: Path) -> None:
        self.database = database
        self.store = Path(data_dir) / "models"

    async def register(self, model_dir: Path, *, metrics: Mapping[str, Any] | None = None,
                       parent: str | None = None) -> ModelVersion:
        """Copy a trained model into the data dir and record it; ``parent`` defaults to the serving one."""
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
        if target.exists():
            shutil.rmtree(target)
        self.store.mkdir(parents=True, exist_ok=True)
        shutil.copytree(model_dir, target)
        data = manifest.get("data") or {}
        created = _parse_time(manifest.get("created"))
        values = dict(version=version, name=manifest.get("name", ""), path=str(target.resolve()),
                      data_sha256=data.get("sha256"), parent=parent, labels=list(manifest.get("labels", [])),
                      metrics=dict(metrics or {}), created_at=created, registered_at=datetime.now(UTC))
        async with self.database.transaction() as session:
            await session.execute(model_versions.insert().values(**values))
        return _row(_Obj(values))

    async def get(self, version: str) -> ModelVersion | None:
        async with self.database.sessions() as session:
            row = (await session.execute(sa.select(model_versions).where(model_versions.c.version == version))).first()
        return _row(row) if row else None

    async def versions(self) -> list[ModelVersion]:
        """All versions, oldest first."""
        async with self.database.sessions() as session:
            rows = (await session.execute(sa.select(model_versions).order_by(model_versions.c.created_at,
                                                                              model_versions.c.version))).all()
        return [_row(r) for r in rows]

    async def serving_version(self) -> str | None:
        """The promoted version (None: nothing promoted yet, the configured model serves)."""
        async with self.database.sessions() as session:
            return await session.scalar(
                sa.select(model_promotions.c.version).order_by(model_promotions.c.id.desc()).limit(1))

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

        Both models are measured on the same evaluation file (``evaluator``); a guarded metric
        lower than the serving model's by more than ``margin`` refuses the promotion unless forced.
        """
        candidate = await self.get(version)
        if candidate is None:
            raise RegistryError(f"no registered version {version}")
        current = await self.serving()
        report: dict[str, Any] | None = None
        if evaluator is not None:
            new = dict(evaluator(candidate.path))
            old = dict(evaluator(current.path)) if current is not None else None
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

    async def rollback(self) -> str:
        """Serve again the version that served before the current one was promoted."""
        current = await self.serving_version()
        if current is None:
            raise RegistryError("no model has been promoted; nothing to roll back")
        async with self.database.sessions() as session:
            previous = await session.scalar(
                sa.select(model_promotions.c.previous)
                .where(model_promotions.c.version == current, model_promotions.c.kind == "promote")
                .order_by(model_promotions.c.id.desc()).limit(1))
        if previous is None:
            raise RegistryError(f"version {current} was the first promoted; nothing to roll back to")
        await self._record(previous, previous=current, kind="rollback", forced=False, report=None)
        return str(previous)

    async def _record(self, version: str, *, previous: str | None, kind: str, forced: bool,
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

        return evaluate(NLU.load(model_dir), load_examples(data))

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
