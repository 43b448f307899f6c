"""A receipt in the console, in real Chromium: the card's form is corrected, refused once, then entered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from aiohttp import web

from bot.config import load_settings
from bot.runtime import Runtime
from bot.server import build_app
from connectors.data_entry import DataEntryConfig, DataEntryConnector
from connectors.documents import DocumentsConfig, DocumentsConnector
from connectors.registry import ConnectorRegistry
from tests.browser.conftest import PLAYWRIGHT_MISSING, no_console_errors
from tests.browser.test_console_browser import act_as, say
from tests.fakes.nlu import ScriptedNLU
from tests.integration.documents.chat import stored
from tests.integration.documents.test_receipts import receipt_pdf

expect = pytest.importorskip("playwright.async_api", reason=PLAYWRIGHT_MISSING).expect

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext


@asynccontextmanager
async def documents_console(data_dir: Path) -> AsyncIterator[tuple[str, Runtime]]:
    settings = load_settings({"FLOWDESK_DATA_DIR": str(data_dir)})
    registry = ConnectorRegistry([DataEntryConnector(config=DataEntryConfig()),
                                  DocumentsConnector(config=DocumentsConfig())])
    runtime = Runtime(settings=settings, nlu=ScriptedNLU(), registry=registry)
    runner = web.AppRunner(build_app(runtime), shutdown_timeout=5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", runtime
    finally:
        await runner.cleanup()


async def test_a_receipt_is_corrected_in_its_card_and_entered(browser: BrowserContext, data_dir: Path,
                                                              tmp_path: Path) -> None:
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(receipt_pdf())
    async with documents_console(data_dir) as (url, runtime):
        page = await browser.new_page()
        errors = no_console_errors(page)
        await page.goto(url)
        await act_as(page, "alex")
        await page.get_by_label("Attach files").set_input_files(str(receipt))
        await say(page, "my receipt")
        card = page.get_by_role("group", name="Expense from receipt.pdf")
        amount = card.get_by_label("Amount")
        await expect(amount).to_have_value("16.70")
        await expect(card.get_by_label("Currency (ISO code)")).to_have_value("EUR")
        await amount.fill("sixteen")
        await card.get_by_role("button", name="Enter").click()
        await expect(page.locator("li.thread")).to_contain_text("The amount 'sixteen' is not a number above zero")
        assert await stored(runtime, "expense") == []

        await expect(amount).to_have_value("sixteen")
        await amount.fill("18.20")
        await card.get_by_label("Date (YYYY-MM-DD)").fill("2026-11-04")
        await card.get_by_role("button", name="Enter").click()
        await expect(page.locator("li.thread")).to_contain_text("Entered 1 expense record from receipt.pdf (EXP-1).")
        assert await stored(runtime, "expense") == [
            {"amount": 18.2, "currency": "EUR", "description": "PAPER & CO, 2026-11-04"}]
        assert errors == []
