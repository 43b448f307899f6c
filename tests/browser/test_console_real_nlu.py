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
    from playwright.async_api import BrowserContext, Locator, Page

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


ANSWERS = {"Who should approve it?": "@dana", "What should be approved?": "a new laptop",
           "Who should I send it to?": "sam@example.com"}


async def until_card(page: Page, thread: Locator, card: Locator) -> None:
    """Answer the bot's questions in the thread (a model without argument extraction asks) until ``card`` shows."""
    answered: set[str] = set()
    deadline = asyncio.get_running_loop().time() + FIRST_REPLY_MS / 1000
    while asyncio.get_running_loop().time() < deadline:
        if await card.count():
            return
        last = await thread.locator("li.entry").last.inner_text()
        if "Sorry, " in last:
            raise AssertionError(f"the bot failed: {last}")
        question = next((q for q in ANSWERS if q in last and q not in answered), None)
        if question is not None:
            answered.add(question)
            box = thread.get_by_label("Reply in thread")
            await box.fill(ANSWERS[question])
            await box.press("Enter")
        await page.wait_for_timeout(300)
    raise AssertionError(f"no card {card} in the thread; it reads: {await thread.inner_text()}")


async def test_the_shipped_nlu_drives_an_approval_through_questions_in_the_thread(
        serve: Serve, browser: BrowserContext, shipped_nlu: NLUEngine) -> None:
    async with serve(nlu=shipped_nlu) as served:
        page = await browser.new_page()
        await page.goto(served.url)
        await act_as(page, "alex")
        await say(page, ASK_APPROVAL)
        thread = page.locator("li.thread").filter(has_text=ASK_APPROVAL)
        await expect(thread.locator("details.nlu summary").first).to_contain_text("approval.request",
                                                                                  timeout=FIRST_REPLY_MS)
        request = thread.get_by_role("group", name=re.compile(r"^Approval requested: .*laptop"))
        await until_card(page, thread, request)
        await act_as(page, "dana")
        await request.get_by_role("button", name="Approve").click()
        await act_as(page, "alex")
        await expect(thread.get_by_text(re.compile(r"your request APR-\d+ .* was approved by dana"))).to_be_visible()


async def test_the_shipped_nlu_drives_an_email_through_questions_in_the_thread(
        serve: Serve, browser: BrowserContext, shipped_nlu: NLUEngine) -> None:
    async with serve(nlu=shipped_nlu) as served:
        page = await browser.new_page()
        await page.goto(served.url)
        await act_as(page, "alex")
        await say(page, SEND_EMAIL)
        mail_thread = page.locator("li.thread").filter(has_text=SEND_EMAIL)
        await expect(mail_thread.locator("details.nlu summary").first).to_contain_text("email.send")
        preview = mail_thread.get_by_role("group", name="Send this email?")
        await until_card(page, mail_thread, preview)
        await preview.get_by_role("button", name="Send").click()
        await expect(page.locator("#mail li.mail")).to_contain_text("sam@example.com")
