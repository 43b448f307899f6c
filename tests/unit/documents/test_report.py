from __future__ import annotations

import csv
import datetime as dt
import io

from connectors.documents.cleaning import CellProblem
from connectors.documents.plan import Rejected
from connectors.documents.report import rejected_csv, report_name


def test_the_report_names_the_problems_then_gives_the_row_as_sent() -> None:
    rejected = [Rejected(row=7, problems=[CellProblem("email", "'bob@' is not a valid email address"),
                                          CellProblem("tier", "required but empty")],
                         cells=["Bob", "bob@", None, dt.date(2026, 11, 3)]),
                Rejected(row=9, problems=[CellProblem("name", "required but empty")],
                         cells=["=HYPERLINK(\"http://x\")", "+1 415", "-12", "@home"])]
    rows = list(csv.reader(io.StringIO(rejected_csv(["Name", "Mail", "Phone", "Since"], rejected))))
    assert rows[0] == ["row", "problems", "Name", "Mail", "Phone", "Since"]
    assert rows[1] == ["7", "email: 'bob@' is not a valid email address; tier: required but empty",
                       "Bob", "bob@", "", "2026-11-03"]
    assert rows[2] == ["9", "name: required but empty", "'=HYPERLINK(\"http://x\")", "'+1 415", "-12", "'@home"]
    assert report_name("new customers.xlsx") == "new customers-rejected-rows.csv"
