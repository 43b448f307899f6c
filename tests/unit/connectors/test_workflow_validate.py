"""The workflow validator: the shipped examples pass; malformed files fail with line and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.workflows import WorkflowError, load_workflow, validate_workflow
from connectors.workflows.connector import EXAMPLES

ACTIONS = {"approval.request", "record.create", "email.send"}

GOOD = """\
name: tiny
start: ask
states:
  ask:
    action: approval.request
    args: {approver: "{{ boss }}", subject: "x"}
    transitions:
      - {result: approved, when: "amount > 1000", to: done}
      - {to: done}
  done:
    end: true
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "flow.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", ["expense_claim.yaml", "customer_order.yaml"])
def test_the_shipped_examples_are_valid(name: str) -> None:
    assert validate_workflow(EXAMPLES / name, actions=ACTIONS) == []


@pytest.mark.parametrize("broken,line,reason", [
    (GOOD.replace("to: done}\n  done", "to: nowhere}\n  done"), 9, "unknown state 'nowhere'"),
    (GOOD.replace("amount > 1000", "amount >> 1000"), 8, "invalid condition"),
    (GOOD.replace("approval.request", "approval.teleport"), 5, "unknown action 'approval.teleport'"),
    (GOOD.replace("start: ask", "start: begin"), 2, "start state 'begin'"),
    (GOOD.replace("    end: true", "    end: true\n    action: email.send"), 10, "end state 'done'"),
    (GOOD.replace('subject: "x"', 'subject: "{{ x"'), 6, "invalid template"),
    (GOOD.replace("{result: approved,", "{on: approved,"), 8, "write 'result:' rather than 'on:'"),
    (GOOD.replace("    args:", "   args:"), 6, "not valid YAML"),
    (GOOD + "  orphan:\n    end: true\n", 12, "can never be reached"),
])
def test_malformed_files_are_rejected_with_line_and_reason(tmp_path: Path, broken: str, line: int,
                                                           reason: str) -> None:
    problems = validate_workflow(_write(tmp_path, broken), actions=ACTIONS)
    assert problems, "the broken file was accepted"
    assert any(p.line == line and reason in p.reason for p in problems), [str(p) for p in problems]
    with pytest.raises(WorkflowError) as raised:
        load_workflow(tmp_path / "flow.yaml", actions=ACTIONS)
    assert str(raised.value).startswith(f"{tmp_path / 'flow.yaml'}:")


def test_a_missing_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (problem,) = validate_workflow(tmp_path / "absent.yaml")
    assert problem.line == 0 and "cannot read" in problem.reason
