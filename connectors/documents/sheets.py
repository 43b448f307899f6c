"""Reads CSV and XLSX files into a plain table of cells; never evaluates or keeps formulas.

A workbook is opened read-only without macros, external links or computed
values: a cell holding a formula refuses the whole file, because its cached
value may be stale or computed from data the user cannot see.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import warnings
import zipfile
from dataclasses import dataclass
from typing import Any

from connectors.documents.errors import DocumentRefused
from connectors.documents.sniff import Kind, Limits

DELIMITERS = ",;\t|"
MAX_SCANNED = 200_000
"""Rows of a sheet looked at, blank or not, before giving up (formatted but empty sheets)."""


@dataclass(frozen=True, kw_only=True)
class Table:
    """Header texts and the data rows; ``numbers[i]`` is the row number the user sees for ``rows[i]``."""

    headers: list[str]
    rows: list[list[Any]]
    numbers: list[int]
    note: str = ""
    """Something the user should know about what was read (other sheets left aside)."""


def read_table(name: str, kind: Kind, data: bytes, limits: Limits) -> Table:
    """The first sheet of a workbook, or the CSV, as header plus rows (blank rows dropped)."""
    note = ""
    if kind == "csv":
        raw = _csv_rows(name, data)
        _refuse_csv_formulas(name, raw)
    elif kind == "xlsx":
        raw, note = _xlsx_rows(name, data, limits)
    else:
        raise DocumentRefused(name, "it is not a spreadsheet.")
    table = _table(name, raw, limits)
    return Table(headers=table.headers, rows=table.rows, numbers=table.numbers, note=note)


def _table(name: str, raw: list[tuple[int, list[Any]]], limits: Limits) -> Table:
    filled = [(n, row) for n, row in raw if any(_blank(v) is False for v in row)]
    if not filled:
        raise DocumentRefused(name, "the spreadsheet is empty.")
    _, header = filled[0]
    headers = [str(v).strip() if v is not None else "" for v in header]
    while headers and not headers[-1]:
        headers.pop()
    if len(headers) > limits.max_columns:
        raise DocumentRefused(name, f"it has more than {limits.max_columns} columns, more than I read.")
    body = filled[1:]
    if len(body) > limits.max_rows:
        raise DocumentRefused(name, f"it has {len(body):,} rows; I read at most {limits.max_rows:,} at a time. "
                                    "Split the file.")
    if not body:
        raise DocumentRefused(name, "the spreadsheet has a header row but no data rows.")
    width = len(headers)
    rows = [(list(row) + [None] * width)[:width] for _, row in body]
    return Table(headers=headers, rows=rows, numbers=[n for n, _ in body])


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _csv_rows(name: str, data: bytes) -> list[tuple[int, list[Any]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    try:
        reader = csv.reader(io.StringIO(text, newline=""), dialect)
        return [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise DocumentRefused(name, f"the CSV is malformed ({exc}).") from None


def _refuse_csv_formulas(name: str, raw: list[tuple[int, list[Any]]]) -> None:
    """A CSV cell written as ``=...`` is a formula to any spreadsheet that opens the file."""
    for number, row in raw:
        for index, value in enumerate(row):
            if isinstance(value, str) and value.lstrip().startswith("=") and len(value.strip()) > 1:
                raise DocumentRefused(name, f"cell {_column(index)}{number} holds a formula ({value.strip()[:40]}). "
                                            "I only take plain values: paste the values and send it again.")


def _column(index: int) -> str:
    """Spreadsheet letters of a 0-based column (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _xlsx_rows(name: str, data: bytes, limits: Limits) -> tuple[list[tuple[int, list[Any]]], str]:
    import openpyxl  # imported here: the workbook reader is only needed for workbooks

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False,
                                          keep_vba=False, keep_links=False)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, IndexError) as exc:
        raise DocumentRefused(name, f"the workbook is corrupt or not a real .xlsx ({type(exc).__name__}).") from None
    try:
        sheet = book.worksheets[0]
        others = [s.title for s in book.worksheets[1:]]
        note = f"Only the first sheet, “{sheet.title}”, was read (not {', '.join(others)})." if others else ""
        rows: list[tuple[int, list[Any]]] = []
        for number, cells in enumerate(sheet.iter_rows(max_col=limits.max_columns + 1), start=1):
            values = [_cell(name, c) for c in cells]
            if any(not _blank(v) for v in values):
                rows.append((number, values))
            if len(rows) > limits.max_rows + 1:
                break  # the header and one row too many: enough for _table to refuse with the count
            if number > MAX_SCANNED:
                raise DocumentRefused(name, f"the sheet runs past row {MAX_SCANNED:,}; I read smaller sheets.")
        return rows, note
    except DocumentRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure inside a broken sheet refuses the file
        raise DocumentRefused(name, f"the workbook is corrupt ({type(exc).__name__}).") from None
    finally:
        book.close()


def _cell(name: str, cell: Any) -> Any:
    if getattr(cell, "data_type", None) == "f":
        raise DocumentRefused(name, f"cell {cell.coordinate} holds a formula ({str(cell.value)[:40]}). "
                                    "I only take plain values: paste the values and send it again.")
    value = cell.value
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value
