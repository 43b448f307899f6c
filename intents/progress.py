"""Adapts training stages to a ``rich.progress.Progress`` (or to nothing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Stages:
    """Creates one progress bar per stage on ``progress``; every method is a no-op without one."""

    def __init__(self, progress: Any = None) -> None:
        self.progress = progress

    def callback(self, description: str) -> Callable[[int, int, float], None] | None:
        """A ``(step, total, loss)`` callback that drives a bar named ``description``."""
        if self.progress is None:
            return None
        task: list[Any] = []

        def report(step: int, total: int, loss: float) -> None:
            if not task:
                task.append(self.progress.add_task(description, total=total))
            self.progress.update(task[0], completed=step, total=total,
                                 description=f"{description} (loss {loss:.3f})")

        return report

    def counter(self, description: str, total: int) -> Callable[[int], None] | None:
        """A callback that advances a bar of ``total`` items by the count it is given."""
        if self.progress is None:
            return None
        task = self.progress.add_task(description, total=total)
        return lambda n: self.progress.update(task, advance=n)
