"""A test double of the NLU: answers from a script of text -> Parse, for pipeline tests.

Only tests use it; what ships is ``intents.pipeline.NLU``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.models import Message, Parse


class ScriptedNLU:
    """Returns the scripted reading of each known text, ``out_of_scope`` otherwise."""

    def __init__(self, script: Mapping[str, Parse] | None = None) -> None:
        self.script = dict(script or {})
        self.info: dict[str, Any] = {"name": "scripted"}
        self.seen: list[Message] = []

    def teach(self, text: str, intent: str, **args: Any) -> None:
        self.script[text] = Parse(intent=intent, confidence=0.99, args=args)

    async def parse(self, message: Message) -> Parse:
        self.seen.append(message)
        return self.script.get(message.text, Parse(intent="out_of_scope", confidence=0.9))

    async def say(self, *, intent: str, args: dict[str, Any], status: str, summary: str) -> str | None:
        return None
