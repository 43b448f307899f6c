"""The ``flowdesk`` command line (typer): serve, worker, chat, db, train, eval."""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Annotated

import typer
from rich.console import Console

from bot.config import Settings, load_settings
from bot.errors import BotError, ConfigError

app = typer.Typer(help="flowdesk: task automation in Slack and Microsoft Teams.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database commands.", no_args_is_help=True)
app.add_typer(db_app, name="db")
err = Console(stderr=True)


def settings_or_exit() -> Settings:
    """Load settings, or explain the problem (naming the variable) and exit 2."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from None
    from bot.logs import configure

    configure(level=settings.log_level, fmt=settings.log_format)
    return settings


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 3978,
) -> None:
    """Run the bot server: HTTP endpoints, background worker and models in one process."""
    from aiohttp import web

    from bot.runtime import Runtime
    from bot.server import build_app

    settings = settings_or_exit()
    try:
        runtime = Runtime(settings=settings)
        application = build_app(runtime, host=host)
    except BotError as exc:
        err.print(f"[red]cannot start:[/red] {exc}")
        raise typer.Exit(2) from None
    err.print(f"flowdesk serving on http://{host}:{port}/ (console at /, metrics at /metrics)")
    web.run_app(application, host=host, port=port, print=None, shutdown_timeout=20)


@app.command()
def worker(
    host: Annotated[str, typer.Option(help="Address of the health and metrics endpoints.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Their port (default: FLOWDESK_WORKER_PORT, 9090; 0: none).")] = None,
) -> None:
    """Run only the background worker (outbox, reminders, expiries), with /healthz, /readyz and /metrics."""
    from bot.workerproc import run_worker

    settings = settings_or_exit()
    asyncio.run(run_worker(settings, host=host, port=settings.worker_port if port is None else port))


@app.command()
def chat(
    user: Annotated[str, typer.Option("--as", help="Who you are in the conversation.")] = "you",
) -> None:
    """Talk to the bot in the terminal, through the same pipeline."""
    from bot.terminal import run_chat

    settings = settings_or_exit()
    asyncio.run(run_chat(settings, user=user))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations."""
    from bot.storage.database import upgrade_sync

    settings = settings_or_exit()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade_sync(settings.effective_database_url)
    err.print("database is up to date")


def _register_nlu_commands() -> None:
    try:
        from intents.cli import register
    except ImportError:
        return
    register(app)


def _register_workflow_commands() -> None:
    try:
        from bot.workflow_cli import register
    except ImportError:
        return
    register(app)


def _register_model_commands() -> None:
    from bot.models_cli import register

    register(app)


_register_nlu_commands()
_register_workflow_commands()
_register_model_commands()


def main() -> None:
    signal.signal(signal.SIGPIPE, signal.SIG_DFL) if hasattr(signal, "SIGPIPE") else None
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
