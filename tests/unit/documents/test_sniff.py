from __future__ import annotations

import io
import zipfile

import pytest

from connectors.documents.errors import DocumentRefused
from connectors.documents.sniff import Limits, check_size, sniff
from tests.integration.documents.files import customers_workbook, macro_workbook

LIMITS = Limits(max_bytes=1024 * 1024)


def test_each_kind_is_known_by_its_bytes() -> None:
    workbook = customers_workbook(3, existing=0)[0]
    assert sniff("a.xlsx", workbook, LIMITS) == "xlsx"
    assert sniff("a.csv", b"name,email\nAda,ada@example.com\n", LIMITS) == "csv"
    assert sniff("A.PNG", b"\x89PNG\r\n\x1a\n" + bytes(20), LIMITS) == "png"
    assert sniff("a.jpeg", b"\xff\xd8\xff\xe0" + bytes(20), LIMITS) == "jpeg"
    assert sniff("a.pdf", b"%PDF-1.7\n", LIMITS) == "pdf"


@pytest.mark.parametrize(("name", "data", "says"), [
    ("a.csv", b"", "empty"),
    ("a.docx", b"PK\x03\x04", "I only read"),
    ("a", b"x", "files without an extension"),
    ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "I only read"),
    ("a.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "password-protected"),
    ("a.xlsx", b"PK\x03\x04garbage", "corrupt"),
    ("a.csv", bytes(range(256)) * 4, "not a CSV"),
    ("a.png", b"name,email\n", "named .png but its content is a CSV file"),
])
def test_refusals_say_why(name: str, data: bytes, says: str) -> None:
    with pytest.raises(DocumentRefused) as caught:
        sniff(name, data, LIMITS)
    assert says in str(caught.value)


def test_the_declared_size_is_checked_before_anything_is_fetched() -> None:
    with pytest.raises(DocumentRefused, match="it is 50.0 MB; the limit is 1.0 MB"):
        check_size("big.xlsx", 50 * 1024 * 1024, LIMITS)


def test_a_zip_that_is_not_a_workbook_and_a_macro_workbook_are_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(DocumentRefused, match="not an Excel workbook"):
        sniff("a.xlsx", out.getvalue(), LIMITS)
    with pytest.raises(DocumentRefused, match="macros"):
        sniff("a.xlsx", macro_workbook(), LIMITS)


def test_a_zip_bomb_is_refused_before_it_is_expanded() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    with pytest.raises(DocumentRefused, match="expands to"):
        sniff("a.xlsx", out.getvalue(), LIMITS)
