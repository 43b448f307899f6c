"""CSV export of records, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """Text that a spreadsheet shows as text: a leading formula character is quoted away."""
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    text = str(value)
    if text.startswith(_FORMULA) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def to_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    """``id``, the form's fields, ``created_by`` and ``created_at``, one record a line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["id", *columns, "created_by", "created_at"]
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(row.get(name)) for name in header])
    return out.getvalue()
