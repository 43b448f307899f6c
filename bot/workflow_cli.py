"""``flowdesk workflows validate FILE…``: check workflow files before deploying them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console


def register(app: typer.Typer) -> None:
    """Add the ``workflows`` command group to the CLI."""
    group = typer.Typer(help="Declarative multi-step workflows.", no_args_is_help=True)

    @group.command("validate")
    def validate(files: Annotated[list[Path], typer.Argument(help="Workflow YAML files.")]) -> None:
        """Report every problem with its line; exit 1 when any file is invalid."""
        from connectors.registry import ConnectorRegistry
        from connectors.workflows import validate_workflow

        from bot.cli import settings_or_exit

        registry = ConnectorRegistry.load(settings_or_exit().model_dump())
        actions = {spec.name for spec in registry.specs(include_internal=True)}
        out, failed = Console(), False
        for path in files:
            errors = validate_workflow(path, actions=actions)
            failed = failed or bool(errors)
            for error in errors:
                out.print(f"[red]{error}[/red]")
            if not errors:
                out.print(f"{path}: valid")
        raise typer.Exit(1 if failed else 0)

    app.add_typer(group, name="workflows")
