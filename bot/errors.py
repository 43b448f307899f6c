"""Every error raised on purpose in flowdesk; one root so callers can catch them all.

Leaf module: anyone may import it.
"""

from __future__ import annotations


class BotError(Exception):
    """Root of flowdesk's errors."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ConfigError(BotError):
    """A setting is missing or invalid; ``variable`` names it as the operator writes it."""

    def __init__(self, variable: str, reason: str) -> None:
        super().__init__(f"{variable}: {reason}")
        self.variable = variable
        self.reason = reason


class AdapterError(BotError):
    """A platform request could not be understood (malformed payload, bad signature)."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class NLUError(BotError):
    """The language model could not be loaded or run."""


class DatasetError(NLUError):
    """A training or evaluation file is malformed; ``line`` is 1-based."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


class ConnectorError(BotError):
    """A connector failed to carry out an action (a system it talks to failed)."""


class ActionRejected(BotError):
    """The action is not allowed or not valid as asked; the message is shown to the user."""

    def __init__(self, message: str, *, private: bool = False) -> None:
        super().__init__(message)
        self.private = private


class NotFound(ActionRejected):
    """The thing an action names does not exist."""
