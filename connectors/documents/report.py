"""The downloadable CSV of rejected rows: what was wrong, then the row as it was sent.

The user fixes the cells and sends the file again; cells that a spreadsheet
would run as a formula are quoted so that opening the report is safe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from connectors.data_entry.csv_export import safe_cell
from connectors.documents.plan import Rejected


def rejected_csv(headers: Sequence[str], rejected: Sequence[Rejected]) -> str:
    """``row``, ``problems`` (``column: reason; ...``), then the original columns."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["row", "problems", *headers])
    for item in rejected:
        problems = "; ".join(f"{p.column}: {p.message}" for p in item.problems)
        writer.writerow([item.row, safe_cell(problems), *(safe_cell(c) for c in item.cells)])
    return out.getvalue()


def report_name(file_name: str) -> str:
    stem = file_name.rsplit(".", 1)[0] or "file"
    return f"{stem}-rejected-rows.csv"
