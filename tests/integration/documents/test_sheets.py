"""A messy customer workbook: the preview, the records after Enter, the report, and no duplicates."""

from __future__ import annotations

import csv
import io
import os

import pytest
import sqlalchemy as sa

from bot.models import Attachment
from bot.runtime import Runtime
from connectors.tables import records
from tests.integration.documents.chat import click, count, import_id, share, stored
from tests.integration.documents.files import customers_workbook

ROWS = int(os.environ.get("FLOWDESK_TEST_SHEET_ROWS", "1000"))


async def _seed(runtime: Runtime, existing: list[dict[str, object]]) -> None:
    async with runtime.database.transaction() as session:
        for values in existing:
            await session.execute(records.insert().values(form="customer", data=values, created_by="dana",
                                                           created_at=sa.func.now()))


async def test_a_messy_workbook_gives_the_right_preview_records_and_report(runtime: Runtime) -> None:
    data, expected = customers_workbook(ROWS)
    await _seed(runtime, expected.existing)
    reply = await share(runtime, "new customers.xlsx", data, text="these are new customers")
    assert reply.card is not None
    ready, rejected = len(expected.ready), len(expected.rejected)
    assert reply.card.title == f"new customers.xlsx → customer: {ready} rows ready, {rejected} with problems"
    shown = dict(reply.card.fields)
    assert shown["Column “E-mail Address”"].startswith("email")
    assert shown["Column “Plan”"].startswith("tier")
    assert shown["Not used"] == "Notes"
    first_bad = min(expected.rejected)
    assert f"Row {first_bad}: {expected.rejected[first_bad]}:" in reply.card.text
    assert [b.label for b in reply.card.buttons] == ["Enter", "Cancel", "Download rejected rows"]

    report = await click(runtime, reply, "Download rejected rows")
    assert report.private and report.attachments
    file: Attachment = report.attachments[0]
    assert file.name == "new customers-rejected-rows.csv" and file.content is not None
    rows = list(csv.DictReader(io.StringIO(file.content.decode("utf-8"))))
    assert {int(r["row"]): r["problems"].split(":")[0] for r in rows} == expected.rejected
    assert all(not r["Notes"].startswith(("@", "+")) for r in rows)
    assert any(r["Notes"].startswith(("'@", "'+")) for r in rows)

    entered = await click(runtime, reply, "Enter")
    assert entered.replace and f"Entered {ready} customer records" in entered.text
    saved = await stored(runtime, "customer")
    assert saved[len(expected.existing):] == [expected.ready[n] for n in sorted(expected.ready)]

    again = await click(runtime, reply, "Enter")
    assert again.private and "already entered" in again.text
    assert await count(runtime) == len(expected.existing) + ready


async def test_the_same_file_shared_twice_enters_nothing_twice(runtime: Runtime) -> None:
    data, expected = customers_workbook(min(ROWS, 200), existing=0)
    first = await share(runtime, "customers.xlsx", data)
    await click(runtime, first, "Enter")
    before = await count(runtime)
    assert before == len(expected.ready)
    second = await share(runtime, "customers.xlsx", data)
    assert second.card is not None
    assert second.card.title.startswith("customers.xlsx → customer: 0 rows ready")
    assert "already entered" in second.card.text
    assert [b.label for b in second.card.buttons] == ["Cancel", "Download rejected rows"]
    assert await count(runtime) == before


async def test_cancel_enters_nothing_and_only_the_sharer_decides(runtime: Runtime) -> None:
    data, _ = customers_workbook(30, existing=0)
    reply = await share(runtime, "customers.xlsx", data)
    other = await click(runtime, reply, "Enter", user="sam")
    assert other.private and "Only the person who shared the file" in other.text
    cancelled = await click(runtime, reply, "Cancel")
    assert cancelled.replace and "nothing from customers.xlsx was entered" in cancelled.text
    late = await click(runtime, reply, "Enter")
    assert "cancelled" in late.text
    assert await count(runtime) == 0
    assert import_id(reply)


@pytest.mark.parametrize("text", ["customers", ""])
async def test_a_csv_with_other_header_names_maps_by_synonym(runtime: Runtime, text: str) -> None:
    data = (b"Customer Name;Mail;Mobile;Firm\n  grace HOPPER ; Grace@Navy.MIL ;(212) 734-9876; US Navy \n"
            b"alan turing;alan@example.com;+44 20 7946 0018;Bletchley\n")
    reply = await share(runtime, "people.csv", data, text=text)
    assert reply.card is not None and "2 rows ready, 0 with problems" in reply.card.title
    await click(runtime, reply, "Enter")
    assert await stored(runtime, "customer") == [
        {"name": "Grace Hopper", "email": "grace@navy.mil", "phone": "+12127349876", "company": "US Navy"},
        {"name": "Alan Turing", "email": "alan@example.com", "phone": "+442079460018", "company": "Bletchley"},
    ]
