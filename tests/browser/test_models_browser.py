"""The registry page and the thumbs in real Chromium: versions listed, a forced promotion and a
rollback from the page; a 👍 on a preview leaves its Send working."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.lifecycle.registry import ModelRegistry
from tests.browser.conftest import PLAYWRIGHT_MISSING, Serve, artifact, no_console_errors
from tests.browser.flows import SEND_EMAIL
from tests.browser.test_console_browser import act_as, say
from tests.unit.lifecycle.test_registry import fake_model

expect = pytest.importorskip("playwright.async_api", reason=PLAYWRIGHT_MISSING).expect

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext


async def test_versions_are_promoted_and_rolled_back_from_the_page(serve: Serve, browser: BrowserContext,
                                                                   data_dir: Path, tmp_path: Path) -> None:
    async with serve() as served:
        registry = ModelRegistry(served.runtime.database, data_dir)
        await registry.register(fake_model(tmp_path, "20261101000000", sha="aaaa1111bbbb2222"),
                                metrics={"intent_accuracy": 0.955})
        await registry.register(fake_model(tmp_path, "20261102000000", sha="cccc3333dddd4444"))
        page = await browser.new_page()
        errors = no_console_errors(page)
        await page.goto(f"{served.url}/console/models")
        await expect(page.locator("#serving")).to_contain_text("No version is promoted")
        rows = page.locator("#versions tbody tr")
        await expect(rows).to_have_count(2)
        await expect(rows.first).to_contain_text("20261102000000")
        await expect(rows.last).to_contain_text("aaaa1111bbbb")
        await expect(rows.last).to_contain_text("0.955")
        await expect(page.get_by_role("button", name="Roll back")).to_be_disabled()

        await page.get_by_role("button", name="Promote 20261101000000").click()
        await expect(page.get_by_role("alert")).to_contain_text("no evaluation file was recorded")
        await page.get_by_label("promote anyway").check()
        await page.get_by_role("button", name="Promote 20261101000000").click()
        await expect(page.locator("#result")).to_contain_text("Version 20261101000000 serves now (forced)")
        await expect(page.get_by_role("button", name="Promote 20261101000000")).to_be_disabled()
        await expect(page.locator("#history")).to_contain_text("promoted 20261101000000")

        await page.get_by_role("button", name="Roll back").click()
        await expect(page.locator("#result")).to_contain_text("the configured model serves now")
        await expect(page.locator("#serving")).to_contain_text("No version is promoted")
        await page.screenshot(path=str(artifact("console-models.png")), full_page=True)
        unlabelled = await page.evaluate("""() => [...document.querySelectorAll('input, button')]
            .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
            .map((e) => e.outerHTML)""")
        assert unlabelled == []
        assert [e for e in errors if "409 (Conflict)" not in e] == []  # the refusal is the only failed request
    assert await registry.serving_version() is None


async def test_a_thumbs_up_on_a_preview_leaves_send_working(serve: Serve, browser: BrowserContext) -> None:
    async with serve() as served:
        page = await browser.new_page()
        errors = no_console_errors(page)
        await page.goto(served.url)
        await act_as(page, "alex")
        await say(page, SEND_EMAIL)
        thread = page.locator("li.thread").filter(has_text=SEND_EMAIL)
        preview = thread.get_by_role("group", name="Send this email?")
        await preview.get_by_role("button", name="👍").click()
        await expect(thread.get_by_text("Thanks, noted.")).to_be_visible()
        await expect(preview.get_by_role("button", name="Send")).to_be_enabled()
        await preview.get_by_role("button", name="Send").click()
        await expect(preview).to_contain_text("Sent by alex")
        await expect(page.locator("#mail li.mail")).to_have_count(1)
        assert errors == []
