"""The cards the user sees: a file's preview with Enter/Cancel, and the outcome after a click."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.models import Button, Card, Input
from connectors.documents.plan import Rejected

ENTER, CANCEL, REPORT = "document.enter", "document.cancel", "document.report"
SHOWN_PROBLEMS = 15
RECEIPT_INPUTS = (("amount", "Amount", "12.40"), ("currency", "Currency (ISO code)", "EUR"),
                  ("merchant", "Merchant", "Corner Cafe"), ("date", "Date (YYYY-MM-DD)", "2026-11-03"))


def buttons(import_id: str, *, can_enter: bool, has_report: bool) -> tuple[Button, ...]:
    value = json.dumps({"import_id": import_id})
    found = [Button(label="Enter", action_id=ENTER, value=value, style="primary")] if can_enter else []
    found.append(Button(label="Cancel", action_id=CANCEL, value=value, style="danger"))
    if has_report:
        found.append(Button(label="Download rejected rows", action_id=REPORT, value=value))
    return tuple(found)


def problem_lines(rejected: Sequence[Rejected]) -> list[str]:
    lines = []
    for item in rejected[:SHOWN_PROBLEMS]:
        lines.append(f"Row {item.row}: " + "; ".join(f"{p.column}: {p.message}" for p in item.problems))
    if len(rejected) > SHOWN_PROBLEMS:
        lines.append(f"… and {len(rejected) - SHOWN_PROBLEMS} more rows with problems in the report.")
    return lines


def sheet_card(*, import_id: str, file_name: str, form: str, ready: int, rejected: Sequence[Rejected],
               mapping: list[tuple[str, str]], ignored: list[str], note: str = "") -> Card:
    """N rows ready, M with problems listed by row and column, the column mapping, Enter/Cancel."""
    title = f"{file_name} → {form}: {ready} row{'s' if ready != 1 else ''} ready, {len(rejected)} with problems"
    fields = [(f"Column “{header}”", target) for header, target in mapping]
    if ignored:
        fields.append(("Not used", ", ".join(ignored)))
    text = "\n".join([*([note] if note else []), *problem_lines(rejected)])
    footer = ("Check the columns above. Nothing is entered until you click Enter; rows with problems are left out."
              if ready else "No row can be entered. Fix the rows in the report and send the file again.")
    return Card(title=title, fields=tuple(fields), text=text, footer=footer,
                buttons=buttons(import_id, can_enter=ready > 0, has_report=bool(rejected)))


def receipt_card(*, import_id: str, file_name: str, read: dict[str, Any], missing: list[str]) -> Card:
    """What was read from a receipt, in inputs the user may correct before Enter (or drop with Cancel)."""
    inputs = tuple(Input(name=name, label=label, value=str(read.get(name) or ""), placeholder=hint)
                   for name, label, hint in RECEIPT_INPUTS)
    text = (f"I could not read the {' or the '.join(missing)} on this receipt: type it in, then click Enter."
            if missing else "Check the values against the receipt and correct any that are wrong "
                            "before you click Enter.")
    return Card(title=f"Expense from {file_name}", text=text, inputs=inputs,
                footer="Nothing is entered until you click Enter.",
                buttons=buttons(import_id, can_enter=True, has_report=False))


def entered_text(*, form: str, file_name: str, entered: int, skipped: int, left_out: int, refs: list[str]) -> str:
    """What Enter did, in one sentence: how many, and what was left out and why."""
    text = f"Entered {entered} {form} record{'s' if entered != 1 else ''} from {file_name}"
    if refs:
        text += f" ({', '.join(refs)})"
    if skipped:
        text += f"; {skipped} row(s) were entered by someone else meanwhile and were skipped"
    if left_out:
        text += f"; {left_out} row(s) with problems were left out"
    return text + "."


def outcome_card(card_title: str, footer: str) -> Card:
    return Card(title=card_title, footer=footer)
