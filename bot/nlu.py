"""The NLU as the pipeline sees it; implemented by ``intents.pipeline.NLU``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from bot.errors import NLUError
from bot.models import Message, Parse

OUT_OF_SCOPE = "out_of_scope"
HELP = "help"


class NLUEngine(Protocol):
    """Reads a message into an intent and arguments, and words replies."""

    info: dict[str, Any]

    async def parse(self, message: Message) -> Parse:
        """Intent (``out_of_scope`` when rejected), calibrated confidence, normalised arguments."""
        ...

    async def say(self, *, intent: str, args: dict[str, Any], status: str, summary: str) -> str | None:
        """A generated reply for an action's result, or None to use the connector's summary."""
        ...


def load_nlu(model_dir: Path | None) -> NLUEngine:
    """Load the trained NLU (the shipped model when ``model_dir`` is None) once per process."""
    try:
        from intents.pipeline import NLU
    except ImportError as exc:  # pragma: no cover - a broken install
        raise NLUError(f"the NLU package cannot be imported: {exc}") from exc
    return NLU.load(model_dir)  # type: ignore[no-any-return]
