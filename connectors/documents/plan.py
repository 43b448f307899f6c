"""From a table to what would be entered: clean rows, rejected rows with reasons, duplicates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from connectors.data_entry.forms import Form
from connectors.documents.cleaning import CellProblem, clean_record
from connectors.documents.mapping import ColumnMap
from connectors.documents.rules import CleaningRules
from connectors.documents.sheets import Table

Key = tuple[str, tuple[str, ...]]
"""One duplicate key: the fields it is made of and their folded values."""


@dataclass(frozen=True, kw_only=True)
class Rejected:
    """A row that will not be entered: its number, its problems and its cells as sent."""

    row: int
    problems: list[CellProblem]
    cells: list[Any]


@dataclass(frozen=True, kw_only=True)
class Plan:
    ready: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    cells: dict[int, list[Any]] = field(default_factory=dict)
    """The cells of each ready row as sent, for the report should a row be rejected later."""


def keys_of(values: dict[str, Any], duplicates: Iterable[list[str]]) -> list[Key]:
    """The duplicate keys a record has (a key with an empty part does not count)."""
    found = []
    for fields in duplicates:
        parts = tuple(str(values.get(f, "")).casefold().strip() for f in fields)
        if all(parts):
            found.append((",".join(fields), parts))
    return found


def plan_rows(table: Table, form: Form, columns: ColumnMap, rules: CleaningRules,
              existing: dict[Key, str]) -> Plan:
    """Clean every row; ``existing`` maps keys of stored records to their reference (``CUS-12``)."""
    duplicates = rules.form(form.name).duplicates
    seen: dict[Key, int] = {}
    plan = Plan()
    for number, cells in zip(table.numbers, table.rows, strict=True):
        raw = {name: cells[index] for index, name in columns.fields.items()}
        values, problems = clean_record(form, raw, rules)
        if not problems:
            problems = _duplicate(keys_of(values, duplicates), seen, existing)
        if problems:
            plan.rejected.append(Rejected(row=number, problems=problems, cells=list(cells)))
            continue
        for key in keys_of(values, duplicates):
            seen.setdefault(key, number)
        plan.ready.append((number, values))
        plan.cells[number] = list(cells)
    return plan


def _duplicate(keys: list[Key], seen: dict[Key, int], existing: dict[Key, str]) -> list[CellProblem]:
    for key in keys:
        column = key[0]
        if key in existing:
            return [CellProblem(column, f"already entered as {existing[key]} (same {column.replace(',', ' and ')})")]
        if key in seen:
            return [CellProblem(column, f"duplicate of row {seen[key]} (same {column.replace(',', ' and ')})")]
    return []


def against_stored(plan: Plan, existing: dict[Key, str], duplicates: Iterable[list[str]]) -> Plan:
    """The plan with ready rows that repeat a stored record moved to the rejected ones (in row order)."""
    if not existing:
        return plan
    keys = list(duplicates)
    ready, moved = [], []
    for number, values in plan.ready:
        stored = next((key for key in keys_of(values, keys) if key in existing), None)
        if stored is None:
            ready.append((number, values))
            continue
        column = stored[0]
        problem = CellProblem(column, f"already entered as {existing[stored]} (same {column.replace(',', ' and ')})")
        moved.append(Rejected(row=number, problems=[problem], cells=plan.cells.get(number, [])))
    return Plan(ready=ready, rejected=sorted([*plan.rejected, *moved], key=lambda r: r.row), cells=plan.cells)
