"""The workflow file format: states, actions per state, transitions on outcomes and conditions.

>>> Workflow.model_validate({"name": "hello", "start": "say", "states": {
...     "say": {"action": "email.send", "args": {"to": ["{{ email }}"], "body": "hi"},
...             "transitions": [{"to": "done"}]},
...     "done": {"end": True}}}).start
'say'
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

NAME = r"^[A-Za-z][A-Za-z0-9_]{0,127}$"
StateName = Annotated[str, Field(pattern=NAME)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Transition(_Strict):
    """Go ``to`` a state when the outcome is one of ``result`` (any, when absent) and ``when`` holds.

    (Not ``on``: YAML 1.1 reads a bare ``on`` as the boolean true.)
    """

    to: StateName
    result: tuple[str, ...] | None = None
    when: str | None = None

    @field_validator("result", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value


class Input(_Strict):
    type: Literal["text", "number", "integer", "boolean", "email", "object", "list"] = "text"
    required: bool = False
    default: Any = None


class State(_Strict):
    """A step: run ``action`` with ``args`` or wait for one of the ``wait`` signals; or end."""

    description: str = ""
    action: str | None = Field(default=None, pattern=r"^[a-z_]+\.[a-z_]+$")
    args: dict[str, Any] = Field(default_factory=dict)
    wait: tuple[str, ...] = ()
    transitions: tuple[Transition, ...] = ()
    end: bool = False
    status: Literal["done", "rejected", "failed", "cancelled"] = "done"
    message: str = ""


class Workflow(_Strict):
    name: StateName
    description: str = ""
    inputs: dict[StateName, Input] = Field(default_factory=dict)
    start: StateName
    states: dict[StateName, State] = Field(min_length=1)
