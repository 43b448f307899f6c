"""``flowdesk models list|register|promote|rollback`` and ``flowdesk feedback export``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from bot.errors import BotError

T = TypeVar("T")
err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add the ``models`` and ``feedback`` command groups to the CLI."""
    models = typer.Typer(help="Trained model versions: register, list, promote, roll back.", no_args_is_help=True)
    feedback = typer.Typer(help="Feedback from chat, as training data.", no_args_is_help=True)

    @models.command("register")
    def register_cmd(
        model_dir: Annotated[Path, typer.Argument(help="A model directory written by `flowdesk train`.")],
        eval_file: Annotated[Path | None, typer.Option("--eval", help="Evaluation file to measure it on.")] = None,
        parent: Annotated[str | None, typer.Option(help="Parent version (default: the serving one).")] = None,
    ) -> None:
        """Record a trained model as a version (copied into the data dir)."""
        from bot.lifecycle.registry import eval_file_evaluator

        metrics = _manifest_metrics(model_dir)
        if eval_file is not None:
            metrics = {**metrics, "eval": dict(_or_exit(lambda: eval_file_evaluator(eval_file)(model_dir))),
                       "eval_file": str(eval_file)}
        version = _run(lambda reg: reg.register(model_dir, metrics=metrics, parent=parent))
        err.print(f"registered version {version.version} ({version.name}) -> {version.path}")

    @models.command("list")
    def list_cmd(as_json: Annotated[bool, typer.Option("--json", help="One JSON array on stdout.")] = False) -> None:
        """All versions, with their metrics, data hash, parent and which one serves."""

        async def both(reg: Any) -> tuple[Any, Any]:
            return await reg.versions(), await reg.serving_version()

        versions, serving = _run(both)
        if as_json:
            print(json.dumps([{"version": v.version, "name": v.name, "serving": v.version == serving,
                               "parent": v.parent, "data_sha256": v.data_sha256, "created_at": v.created_at.isoformat(),
                               "metrics": v.metrics, "path": str(v.path)} for v in versions]))
            return
        table = Table(title="model versions")
        for column in ("", "version", "parent", "created", "data", "intent acc", "oos recall"):
            table.add_column(column)
        for v in versions:
            m = v.metrics.get("eval") or {}
            table.add_row("*" if v.version == serving else "", v.version, v.parent or "-",
                          f"{v.created_at:%Y-%m-%d %H:%M}", (v.data_sha256 or "-")[:12],
                          str(m.get("intent_accuracy", v.metrics.get("held_out_intent_accuracy", "-"))),
                          str(m.get("oos_recall", v.metrics.get("held_out_oos_recall", "-"))))
        Console().print(table)

    @models.command("promote")
    def promote_cmd(
        version: Annotated[str, typer.Argument(help="The version to serve.")],
        eval_file: Annotated[Path | None, typer.Option("--eval", help="Team evaluation file guarding the promotion.")] = None,
        margin: Annotated[float, typer.Option(help="How much worse a guarded metric may be.")] = 0.02,
        force: Annotated[bool, typer.Option("--force", help="Promote even when worse.")] = False,
    ) -> None:
        """Serve VERSION; with --eval, refuse it when worse than the serving model beyond --margin."""
        from bot.lifecycle.registry import eval_file_evaluator

        evaluator = eval_file_evaluator(eval_file) if eval_file is not None else None
        result = _run(lambda reg: reg.promote(version, evaluator=evaluator, margin=margin, force=force))
        err.print(f"version {result['version']} serves now (was {result['previous'] or 'the configured model'})")

    @models.command("rollback")
    def rollback_cmd() -> None:
        """Serve again what served before the current version (the configured model before the first)."""
        version = _run(lambda reg: reg.rollback())
        err.print(f"rolled back: {f'version {version}' if version else 'the configured model'} serves now")

    @feedback.command("export")
    def export_cmd(
        out: Annotated[Path, typer.Option("--out", help="JSONL file to write (spec/actions.md format).")],
    ) -> None:
        """Write the examples corrected or confirmed in chat, ready for `flowdesk train`."""
        from bot.lifecycle.feedback import export

        n = _run(lambda reg: export(reg.database, out))
        err.print(f"wrote {n} examples to {out}")

    app.add_typer(models, name="models")
    app.add_typer(feedback, name="feedback")


def _manifest_metrics(model_dir: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((model_dir / "model.json").read_text())
    except (OSError, ValueError):
        err.print(f"[red]error:[/red] {model_dir} is not a flowdesk model directory")
        raise typer.Exit(2) from None
    return {k: v for k, v in (manifest.get("metrics") or {}).items() if k != "threshold"}


def _or_exit(work: Callable[[], T]) -> T:
    try:
        return work()
    except BotError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


def _run(work: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``work(registry)`` against the configured database (migrated first)."""
    from bot.cli import settings_or_exit
    from bot.lifecycle.registry import ModelRegistry
    from bot.storage import Database

    settings = settings_or_exit()

    async def main() -> T:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        database = Database(url=settings.effective_database_url)
        try:
            await database.upgrade()
            return await work(ModelRegistry(database, settings.data_dir))
        finally:
            await database.close()

    try:
        return asyncio.run(main())
    except BotError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
