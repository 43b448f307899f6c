from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from connectors.documents.errors import DocumentRefused
from connectors.documents.sheets import read_table
from connectors.documents.sniff import Limits

LIMITS = Limits(max_rows=3)


def test_a_semicolon_csv_in_windows_encoding_keeps_its_row_numbers() -> None:
    data = "Name;Town\n\nZoë;Köln\n;\nAndré;Genève\n".encode("cp1252")
    table = read_table("a.csv", "csv", data, LIMITS)
    assert table.headers == ["Name", "Town"]
    assert table.rows == [["Zoë", "Köln"], ["André", "Genève"]]
    assert table.numbers == [3, 5]


def test_workbook_dates_and_numbers_come_through_as_values() -> None:
    book = Workbook()
    book.active.append(["date", "hours", None])
    book.active.append([dt.datetime(2026, 11, 3), 7.5])
    out = io.BytesIO()
    book.save(out)
    table = read_table("t.xlsx", "xlsx", out.getvalue(), LIMITS)
    assert table.headers == ["date", "hours"]
    assert table.rows == [[dt.date(2026, 11, 3), 7.5]]


def test_too_many_rows_or_no_rows_are_refused() -> None:
    with pytest.raises(DocumentRefused, match="4 rows; I read at most 3"):
        read_table("a.csv", "csv", b"a\n1\n2\n3\n4\n", LIMITS)
    with pytest.raises(DocumentRefused, match="no data rows"):
        read_table("a.csv", "csv", b"a,b\n", LIMITS)


def test_a_csv_cell_written_as_a_formula_refuses_the_file() -> None:
    data = b"name,email,phone\nAda,ada@example.com,+14155552671\nBob,bob@example.com,=1+2\n"
    with pytest.raises(DocumentRefused, match=r"cell C3 holds a formula \(=1\+2\)"):
        read_table("a.csv", "csv", data, Limits())
    assert read_table("a.csv", "csv", b"name,note\nAda,=\n", Limits()).rows == [["Ada", "="]]


def test_rows_after_a_long_blank_stretch_still_count() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["name"])
    for name in ("a", "b", "c"):
        sheet.append([name])
    sheet.cell(row=500, column=1, value="d")
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(DocumentRefused, match="4 rows; I read at most 3"):
        read_table("t.xlsx", "xlsx", out.getvalue(), LIMITS)
    sheet.cell(row=500, column=1).value = None
    sheet.cell(row=500, column=70, value="far right")
    out = io.BytesIO()
    book.save(out)
    assert read_table("t.xlsx", "xlsx", out.getvalue(), LIMITS).numbers == [2, 3, 4]


def test_only_the_first_sheet_is_read_and_the_user_is_told() -> None:
    book = Workbook()
    book.active.title = "New"
    book.active.append(["name"])
    book.active.append(["Ada"])
    book.create_sheet("Old").append(["name"])
    out = io.BytesIO()
    book.save(out)
    table = read_table("t.xlsx", "xlsx", out.getvalue(), LIMITS)
    assert table.rows == [["Ada"]]
    assert table.note == "Only the first sheet, “New”, was read (not Old)."
