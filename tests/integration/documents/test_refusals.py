"""Files that must be refused with a clear message, with nothing entered."""

from __future__ import annotations

import pytest

from bot.runtime import Runtime
from tests.integration.documents.chat import count, share
from tests.integration.documents.files import (
    big_csv,
    corrupt_workbook,
    customers_workbook,
    formula_workbook,
    macro_workbook,
    receipt_image,
)


async def test_a_50_mb_file_is_refused_for_its_size(runtime: Runtime) -> None:
    reply = await share(runtime, "customers.csv", big_csv(50))
    assert "50.0 MB" in reply.text and "limit is 10.0 MB" in reply.text
    assert reply.card is None
    assert await count(runtime) == 0


async def test_a_workbook_with_formulas_is_refused(runtime: Runtime) -> None:
    reply = await share(runtime, "customers.xlsx", formula_workbook())
    assert "cell A3 holds a formula" in reply.text
    assert await count(runtime) == 0


async def test_a_macro_workbook_is_refused_even_when_named_xlsx(runtime: Runtime) -> None:
    for name in ("customers.xlsx", "customers.xlsm"):
        reply = await share(runtime, name, macro_workbook())
        assert reply.card is None
        assert "macros" in reply.text or "only read" in reply.text, reply.text
    assert await count(runtime) == 0


async def test_a_corrupt_workbook_is_refused(runtime: Runtime) -> None:
    reply = await share(runtime, "customers.xlsx", corrupt_workbook())
    assert "corrupt" in reply.text
    assert await count(runtime) == 0


@pytest.mark.parametrize(("name", "what"), [("customers.csv", "an Excel workbook"), ("receipt.png", "an Excel workbook"),
                                            ("customers.xlsx", "a PNG image"), ("receipt.pdf", "a PNG image")])
async def test_a_file_renamed_to_the_wrong_extension_is_refused(runtime: Runtime, name: str, what: str) -> None:
    data = customers_workbook(5, existing=0)[0] if "Excel" in what else receipt_image(1).image
    if "PNG" in what and not data.startswith(b"\x89PNG"):
        data = receipt_image(2).image if receipt_image(2).image.startswith(b"\x89PNG") else receipt_image(4).image
    reply = await share(runtime, name, data)
    assert f"its content is {what}" in reply.text, reply.text
    assert await count(runtime) == 0


async def test_an_executable_is_refused(runtime: Runtime) -> None:
    reply = await share(runtime, "setup.exe", b"MZ\x90\x00" + bytes(200))
    assert "I only read" in reply.text
    reply = await share(runtime, "customers.csv", b"MZ\x90\x00" + bytes(200))
    assert "not a CSV, XLSX, PNG, JPEG or PDF" in reply.text
    assert await count(runtime) == 0
