"""Safe conditions and argument templates: Jinja2's sandbox, never ``eval``.

A condition is a Jinja2 expression (``amount > 1000 and currency == "USD"``);
an argument is text with ``{{ ... }}`` placeholders, and an argument that is
exactly one placeholder keeps the value's type (a number stays a number).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from bot.errors import BotError

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
_ONLY = re.compile(r"^\s*\{\{(.*)\}\}\s*$", re.DOTALL)


class ExpressionError(BotError):
    """A condition or template that does not parse, or fails on the values it was given."""


def check_condition(source: str) -> None:
    """Raise ``ExpressionError`` when ``source`` is not a valid expression."""
    try:
        _ENV.compile_expression(source)
    except TemplateError as exc:
        raise ExpressionError(f"invalid condition {source!r}: {exc}") from None


def check_template(source: str) -> None:
    try:
        only = _ONLY.match(source)
        if only and "{{" not in only.group(1):
            _ENV.compile_expression(only.group(1))
        else:
            _ENV.from_string(source)
    except TemplateError as exc:
        raise ExpressionError(f"invalid template {source!r}: {exc}") from None


def evaluate(source: str, variables: Mapping[str, Any]) -> bool:
    """The truth of a condition on ``variables``; an unknown name is an error, not False."""
    try:
        return bool(_ENV.compile_expression(source, undefined_to_none=False)(**variables))
    except (TemplateError, TypeError, ValueError) as exc:
        raise ExpressionError(f"condition {source!r} failed: {exc}") from None


def render(value: Any, variables: Mapping[str, Any]) -> Any:
    """``value`` (text, list or mapping) with every placeholder filled in."""
    if isinstance(value, Mapping):
        return {k: render(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, variables) for v in value]
    if not isinstance(value, str) or "{{" not in value and "{%" not in value:
        return value
    try:
        only = _ONLY.match(value)
        if only and "{{" not in only.group(1):
            return _ENV.compile_expression(only.group(1), undefined_to_none=False)(**variables)
        return _ENV.from_string(value).render(**variables)
    except (TemplateError, TypeError, ValueError) as exc:
        raise ExpressionError(f"template {value!r} failed: {exc}") from None
