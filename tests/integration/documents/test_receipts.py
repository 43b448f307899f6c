"""Receipts shared in the thread: read into an expense preview, entered on Enter."""

from __future__ import annotations

import io

import pytest
from fpdf import FPDF

from bot.runtime import Runtime
from connectors.documents.ocr import unavailable
from tests.integration.documents.chat import click, count, inputs, share, stored
from tests.integration.documents.files import receipt_image

NO_OCR = unavailable()


def receipt_pdf() -> bytes:
    pdf = FPDF(format=(80, 160))
    pdf.add_page()
    pdf.set_font("Helvetica", size=9)
    for line in ["PAPER & CO", "12 Rue de Rivoli, Paris", "Date: 03.11.2026", "Notebook     12,50",
                 "Pens          4,20", "TOTAL EUR    16,70", "Merci !"]:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


async def test_a_pdf_receipt_is_read_from_its_text_layer(runtime: Runtime) -> None:
    reply = await share(runtime, "receipt.pdf", receipt_pdf())
    assert reply.card is not None
    assert inputs(reply) == {"amount": "16.70", "currency": "EUR", "merchant": "PAPER & CO", "date": "2026-11-03"}
    assert [b.label for b in reply.card.buttons] == ["Enter", "Cancel"]
    done = await click(runtime, reply, "Enter")
    assert "Entered 1 expense record from receipt.pdf (EXP-1)." == done.text
    assert await stored(runtime, "expense") == [
        {"amount": 16.7, "currency": "EUR", "description": "PAPER & CO, 2026-11-03"}]
    await click(runtime, reply, "Enter")
    assert await count(runtime) == 1


async def test_a_pdf_without_text_is_refused_with_a_way_forward(runtime: Runtime) -> None:
    out = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (200, 300), "white").save(out, format="PDF")
    reply = await share(runtime, "scan.pdf", out.getvalue())
    assert "no text layer" in reply.text and "PNG or JPEG" in reply.text
    assert await count(runtime) == 0


@pytest.mark.skipif(NO_OCR is not None, reason=f"Tesseract OCR is not installed: {NO_OCR}")
async def test_a_photographed_receipt_becomes_an_expense_preview(runtime: Runtime) -> None:
    receipt = receipt_image(3)
    name = "receipt.png" if receipt.image.startswith(b"\x89PNG") else "receipt.jpg"
    reply = await share(runtime, name, receipt.image)
    assert reply.card is not None, reply.text
    read = inputs(reply)
    assert f"{float(read['amount']):.2f}" == receipt.amount
    assert read["currency"] == receipt.currency
    await click(runtime, reply, "Enter")
    saved = await stored(runtime, "expense")
    assert len(saved) == 1 and f"{saved[0]['amount']:.2f}" == receipt.amount


@pytest.mark.skipif(NO_OCR is not None, reason=f"Tesseract OCR is not installed: {NO_OCR}")
async def test_an_image_without_a_total_asks_for_it_and_takes_what_is_typed(runtime: Runtime) -> None:
    from PIL import Image, ImageDraw

    image = Image.new("L", (500, 200), 255)
    ImageDraw.Draw(image).text((20, 80), "HELLO WORLD", fill=0)
    out = io.BytesIO()
    image.save(out, format="PNG")
    reply = await share(runtime, "photo.png", out.getvalue())
    assert reply.card is not None
    assert "could not read the amount" in reply.card.text and inputs(reply)["amount"] == ""
    refused = await click(runtime, reply, "Enter")
    assert "The amount is missing" in refused.text and await count(runtime) == 0
    done = await click(runtime, reply, "Enter", typed={"amount": "8.90", "currency": "gbp", "merchant": ""})
    assert done.text == "Entered 1 expense record from photo.png (EXP-1)."
    assert await stored(runtime, "expense") == [{"amount": 8.9, "currency": "GBP"}]


@pytest.mark.parametrize(("typed", "says"), [
    ({"amount": "twelve"}, "The amount 'twelve' is not a number above zero"),
    ({"amount": "-3"}, "is not a number above zero"),
    ({"amount": "NaN"}, "is not a number above zero"),
    ({"amount": ""}, "The amount is missing"),
    ({"currency": "EURO"}, "The currency 'EURO' is not an ISO 4217 code"),
    ({"currency": "XYZ"}, "is not an ISO 4217 code"),
    ({"date": "03/11/2026"}, "The date '03/11/2026' is not a date written as YYYY-MM-DD"),
    ({"date": "2026-02-30"}, "is not a date written as YYYY-MM-DD"),
    ({"merchant": "x" * 101}, "longer than 100 characters"),
    ({"tip": "2"}, "A receipt has no field 'tip'"),
])
async def test_a_bad_correction_says_which_value_and_changes_nothing(runtime: Runtime, typed: dict[str, str],
                                                                     says: str) -> None:
    reply = await share(runtime, "receipt.pdf", receipt_pdf())
    refused = await click(runtime, reply, "Enter", typed=typed)
    assert says in refused.text and "Nothing was entered" in refused.text and refused.private
    assert await count(runtime) == 0
    done = await click(runtime, reply, "Enter")
    assert done.text.startswith("Entered 1 expense record"), "the preview is still there to enter"


async def test_corrected_values_are_the_ones_entered(runtime: Runtime) -> None:
    reply = await share(runtime, "receipt.pdf", receipt_pdf())
    done = await click(runtime, reply, "Enter", typed={"amount": "1.234,50", "currency": " usd ",
                                                       "merchant": "Paper  & Co Paris", "date": "2026-11-04"})
    assert done.text == "Entered 1 expense record from receipt.pdf (EXP-1)."
    assert await stored(runtime, "expense") == [
        {"amount": 1234.5, "currency": "USD", "description": "Paper & Co Paris, 2026-11-04"}]
