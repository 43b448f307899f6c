"""The console with the NLU that ships in the package: what a newcomer sees on `flowdesk serve`."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

import pytest

from bot.errors import NLUError
from bot.nlu import NLUEngine, load_nlu
from tests.browser.conftest import PLAYWRIGHT_MISSING, Serve
from tests.browser.flows import ASK_APPROVAL, SEND_EMAIL

expect = pytest.importorskip("playwright.async_api", reason=PLAYWRIGHT_MISSING).expect

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page

pytestmark = pytest.mark.slow
FIRST_REPLY_MS = 120_000


@pytest.fixture
async def shipped_nlu() -> NLUEngine:
    try:
        return await asyncio.to_thread(load_nlu, None)
    except NLUError as exc:
        pytest.skip(f"the shipped NLU model is not available: {exc}")


async def act_as(page: Page, name: str) -> None:
    who = page.get_by_label("Acting as")
    await who.fill(name)
    await who.press("Enter")


async def say(page: Page, text: str) -> None:
    box = page.get_by_label("Message #console")
    await box.fill(text)
    await box.press("Enter")


async def test_the_shipped_nlu_drives_an_approval_and_an_email(serve: Serve, browser: BrowserContext,
                                                               shipped_nlu: NLUEngine) -> None:
    async with serve(nlu=shipped_nlu) as served:
        page = await browser.new_page()
        await page.goto(served.url)
        await act_as(page, "alex")
        await say(page, ASK_APPROVAL)
        thread = page.locator("li.thread").filter(has_text=ASK_APPROVAL)
        await expect(thread.locator("details.nlu summary")).to_contain_text("approval.request", timeout=FIRST_REPLY_MS)
        request = thread.get_by_role("group", name=re.compile(r"^Approval requested: .*laptop"))
        await expect(request).to_be_visible()
        await act_as(page, "dana")
        await request.get_by_role("button", name="Approve").click()
        await act_as(page, "alex")
        await expect(thread.get_by_text(re.compile(r"your request APR-\d+ .* was approved by dana"))).to_be_visible()

        await say(page, SEND_EMAIL)
        mail_thread = page.locator("li.thread").filter(has_text=SEND_EMAIL)
        await expect(mail_thread.locator("details.nlu summary")).to_contain_text("email.send")
        await mail_thread.get_by_role("group", name="Send this email?").get_by_role("button", name="Send").click()
        await expect(page.locator("#mail li.mail")).to_contain_text("sam@example.com")
