"""Loading and validating workflow files; every problem names its line.

This is what ``flowdesk workflows validate FILE`` runs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.errors import BotError
from connectors.workflows.expressions import ExpressionError, check_condition, check_template
from connectors.workflows.spec import Workflow

Path_ = tuple[Any, ...]


class WorkflowError(BotError):
    """A workflow file is malformed; ``line`` is 1-based (0 when the file cannot be read)."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path, self.line, self.reason = path, line, reason


def validate_workflow(path: str | Path, *, actions: Collection[str] | None = None) -> list[WorkflowError]:
    """Every problem in the workflow file at ``path``; an empty list means it is valid.

    Args:
        path: the YAML file.
        actions: action names that exist (``registry.specs(include_internal=True)``);
            when given, a state naming another action is a problem.
    """
    try:
        _, problems = _load(Path(path), actions)
    except WorkflowError as exc:
        return [exc]
    return problems


def load_workflow(path: str | Path, *, actions: Collection[str] | None = None) -> Workflow:
    """The workflow in ``path``; raises the first ``WorkflowError`` when it is not valid."""
    workflow, problems = _load(Path(path), actions)
    if problems or workflow is None:
        raise problems[0]
    return workflow


def _load(path: Path, actions: Collection[str] | None) -> tuple[Workflow | None, list[WorkflowError]]:
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
        raw = yaml.safe_load(text)
    except OSError as exc:
        raise WorkflowError(where, 0, f"cannot read the file: {exc.strerror or exc}") from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise WorkflowError(where, line, f"not valid YAML: {exc.problem}") from None
    lines = dict(_lines(node, ())) if node is not None else {}
    if not isinstance(raw, dict):
        return None, [WorkflowError(where, 1, "a workflow file holds a mapping with name, start and states")]
    try:
        workflow = Workflow.model_validate(raw)
    except ValidationError as exc:
        return None, [WorkflowError(where, _line(lines, e["loc"]), _reason(e)) for e in exc.errors()]
    problems = [WorkflowError(where, _line(lines, loc), reason) for loc, reason in _semantics(workflow, actions)]
    return workflow, problems


def _reason(error: Any) -> str:
    loc = ".".join(str(p) for p in error["loc"])
    msg = str(error["msg"])
    if msg == "Keys should be strings":
        msg = "a key reads as true/false in YAML (write 'result:' rather than 'on:', or quote the key)"
    return f"{loc}: {msg}" if loc else msg


def _lines(node: yaml.Node, path: Path_) -> Iterator[tuple[Path_, int]]:
    """(path, 1-based line) of every mapping key and sequence item."""
    yield path, node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield (*path, key.value), key.start_mark.line + 1
            yield from ((p, n) for p, n in _lines(value, (*path, key.value)) if p != (*path, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _lines(item, (*path, index))


def _line(lines: dict[Path_, int], loc: Any) -> int:
    loc = tuple(loc)
    while loc and loc not in lines:
        loc = loc[:-1]
    return lines.get(loc, 1)


def _semantics(wf: Workflow, actions: Collection[str] | None) -> Iterator[tuple[Path_, str]]:
    if wf.start not in wf.states:
        yield ("start",), f"start state {wf.start!r} is not among the states"
    for name, state in wf.states.items():
        here = ("states", name)
        yield from _state_problems(wf, name, state, here, actions)
    for name in sorted(set(wf.states) - _reachable(wf)):
        yield ("states", name), f"state {name!r} can never be reached from {wf.start!r}"


def _state_problems(wf: Workflow, name: str, state: Any, here: Path_,
                    actions: Collection[str] | None) -> Iterator[tuple[Path_, str]]:
    if state.end:
        if state.action or state.wait or state.transitions:
            yield here, f"end state {name!r} cannot have an action, wait or transitions"
        return
    if bool(state.action) == bool(state.wait):
        yield here, f"state {name!r} needs exactly one of 'action' or 'wait' (or 'end: true')"
    if not state.transitions:
        yield here, f"state {name!r} has no transitions and is not an end state"
    if state.action and actions is not None and state.action not in actions:
        yield (*here, "action"), f"unknown action {state.action!r}"
    for key, value in _strings(state.args, (*here, "args")):
        try:
            check_template(value)
        except ExpressionError as exc:
            yield key, exc.message
    for index, transition in enumerate(state.transitions):
        at = (*here, "transitions", index)
        if transition.to not in wf.states:
            yield (*at, "to"), f"transition to unknown state {transition.to!r}"
        if state.wait and transition.result and set(transition.result) - set(state.wait):
            unknown = sorted(set(transition.result) - set(state.wait))
            yield (*at, "result"), f"{unknown} is not among wait {list(state.wait)}"
        if transition.when is not None:
            try:
                check_condition(transition.when)
            except ExpressionError as exc:
                yield (*at, "when"), exc.message


def _strings(value: Any, path: Path_) -> Iterator[tuple[Path_, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, (*path, i))
    elif isinstance(value, str):
        yield path, value


def _reachable(wf: Workflow) -> set[str]:
    seen, todo = set(), [wf.start]
    while todo:
        name = todo.pop()
        if name in seen or name not in wf.states:
            continue
        seen.add(name)
        todo.extend(t.to for t in wf.states[name].transitions)
    return seen
