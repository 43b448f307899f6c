"""``flowdesk train`` and ``flowdesk eval``; ``bot.cli`` calls ``register(app)``.

torch and transformers are imported inside the commands, so ``flowdesk --help`` stays fast.
Progress and messages go to stderr; ``eval --json`` prints one JSON object on stdout.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot.errors import BotError
from intents.finetune import FinetuneArgs  # numpy only: torch is imported when training starts

err = Console(stderr=True)
out = Console()


def register(app: typer.Typer) -> None:
    """Add the NLU commands to the ``flowdesk`` application."""
    app.command("train")(train_command)
    app.command("eval")(eval_command)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err)


def train_command(
    data: Annotated[Path, typer.Option("--data", help="Labelled examples (JSONL, spec/actions.md).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Model directory to write.")],
    base: Annotated[str | None, typer.Option("--base", help="Pretrained GPT-2 for the reply generator.")] = None,
    frozen_layers: Annotated[int, typer.Option(
        "--frozen-layers", min=0, max=6,
        help="Bottom MiniLM layers the intent classifier keeps frozen; fewer gives a larger model "
             "(about 3.6 MB per tuned layer) that trains more slowly and may be a little more accurate.",
    )] = FinetuneArgs.frozen_layers,
) -> None:
    """Train the NLU (intent classifier and reply generator) on a dataset."""
    from intents.train import train

    try:
        with _progress() as progress:
            path = train(data, out_dir, base=base, progress=progress,
                         options=FinetuneArgs(frozen_layers=frozen_layers))
    except BotError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    manifest = json.loads((path / "model.json").read_text())
    table = Table(title=f"{manifest['name']} {manifest['version']} -> {path}")
    table.add_column("what")
    table.add_column("value")
    table.add_row("intents", ", ".join(manifest["labels"]))
    threshold = manifest["threshold"]
    floor = threshold.get("probability")
    cuts = f"cosine {threshold['value']:.4f}" + ("" if floor is None else f", probability {floor:.4f}")
    table.add_row("threshold", f"{cuts} ({threshold['rule']})")
    for key, value in manifest["metrics"].items():
        table.add_row(key, str(value))
    table.add_row("generator", "trained" if manifest.get("generator") else "not installed")
    err.print(table)


def eval_command(
    data: Annotated[Path, typer.Option("--data", help="Labelled examples (JSONL, spec/actions.md).")],
    model: Annotated[Path | None, typer.Option(
        "--model", envvar="FLOWDESK_MODEL_DIR", help="Model directory (default: the shipped model).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")] = False,
) -> None:
    """Measure the NLU on a dataset: intent, out-of-scope, argument and latency metrics."""
    from intents.data import load_examples
    from intents.evaluate import evaluate_report
    from intents.pipeline import NLU

    try:
        examples = load_examples(data)
        nlu = NLU.load(model)
        report = evaluate_report(nlu, examples)
    except BotError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(report.metrics))
        return
    _print_report(report.metrics, report.per_intent, report.confusions, nlu.info)


def _print_report(metrics: dict[str, Any], per_intent: dict[str, dict[str, Any]],
                  confusions: list[tuple[str, str, int]], info: dict[str, Any]) -> None:
    summary = Table(title=f"{info['name']} {info['version']}")
    summary.add_column("metric")
    summary.add_column("value", justify="right")
    for key, value in metrics.items():
        summary.add_row(key, "-" if value is None else str(value))
    out.print(summary)
    table = Table(title="per intent")
    for col in ("intent", "support", "precision", "recall", "f1"):
        table.add_column(col, justify="left" if col == "intent" else "right")
    for intent, row in per_intent.items():
        table.add_row(intent, *(str(row[k]) for k in ("support", "precision", "recall", "f1")))
    out.print(table)
    worst = Table(title="worst confusions (gold -> predicted)")
    for col in ("gold", "predicted", "count"):
        worst.add_column(col)
    for gold, pred, n in confusions:
        worst.add_row(gold, pred, str(n))
    out.print(worst if confusions else "no confusions")
