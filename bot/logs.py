"""Structured logs with structlog, as JSON (for collectors) or for a console."""

from __future__ import annotations

import logging
import sys

import structlog


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler on the current ``sys.stderr``, like ``_stderr_logger``."""

    @property  # type: ignore[override]
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _: object) -> None:
        pass


def _stderr_logger(*_: object) -> structlog.PrintLogger:
    """A logger on the current ``sys.stderr`` (looked up at each use, so a replaced stream is followed)."""
    return structlog.PrintLogger(file=sys.stderr)


def configure(*, level: str = "INFO", fmt: str = "console") -> None:
    """Set up structlog and the standard library logging to share one format."""
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level]),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
    handler = _StderrHandler()
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(processors=[
        structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer], foreign_pre_chain=shared))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiohttp.access", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelNamesMapping()[level]))
