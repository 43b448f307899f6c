"""The console in real Chromium: one person plays requester and approver; an email is previewed and sent."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.models import Message, Parse
from tests.browser.conftest import PLAYWRIGHT_MISSING, Serve, artifact, no_console_errors
from tests.browser.flows import ASK_APPROVAL, LOG_HOURS, SEND_EMAIL, scripted_nlu

expect = pytest.importorskip("playwright.async_api", reason=PLAYWRIGHT_MISSING).expect

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page

TOKEN = "browser-test-token"


async def act_as(page: Page, name: str) -> None:
    who = page.get_by_label("Acting as")
    await who.fill(name)
    await who.press("Enter")
    await expect(page.get_by_role("button", name=name, exact=True)).to_have_attribute("aria-pressed", "true")


async def say(page: Page, text: str) -> None:
    box = page.get_by_label("Message #console")
    await box.fill(text)
    await box.press("Enter")


async def test_approver_approves_and_the_requester_sees_it_in_the_thread(serve: Serve, browser: BrowserContext) -> None:
    async with serve() as served:
        page = await browser.new_page()
        errors = no_console_errors(page)
        await page.goto(served.url)
        await expect(page.get_by_role("status").filter(has_text="live")).to_be_visible()
        await act_as(page, "alex")
        await say(page, ASK_APPROVAL)

        thread = page.locator("li.thread").filter(has_text=ASK_APPROVAL)
        await expect(thread.get_by_text(re.compile(r"I asked dana to approve a new laptop \(APR-\d+\)"))).to_be_visible()
        reading = thread.locator("details.nlu")
        await expect(reading.locator("summary")).to_contain_text("approval.request")
        await expect(reading.locator("summary")).to_contain_text("99% confidence")
        await reading.locator("summary").click()
        await expect(reading.get_by_label("Arguments")).to_contain_text('"approver": "dana"')
        await expect(reading.get_by_label("Training example")).to_have_text(
            '{"text":"ask @dana to approve $1,200 for a new laptop","intent":"approval.request",'
            '"args":{"approver":"dana","subject":"a new laptop","amount":1200,"currency":"USD"}}')
        await expect(page.locator("#approvals")).to_contain_text("a new laptop")
        await expect(page.locator("#approvals")).to_contain_text("waiting on dana")

        request = thread.get_by_role("group", name="Approval requested: a new laptop")
        await expect(request).to_be_visible()
        said = await thread.locator("li.entry").all_inner_texts()
        assert [i for i, t in enumerate(said) if "I asked dana" in t] < [i for i, t in enumerate(said) if "Approve" in t]
        await request.get_by_role("button", name="Approve").click()
        await expect(thread.get_by_text("Only the named approver can decide on this request.")).to_be_visible()
        await expect(thread.get_by_text("Only visible to you")).to_be_visible()

        await act_as(page, "dana")
        await expect(thread.get_by_text("Only the named approver can decide")).to_have_count(0)
        request = thread.get_by_role("group", name="Approval requested: a new laptop")
        await request.get_by_role("button", name="Approve").click()
        await expect(thread.get_by_role("group", name="Approved: a new laptop").first).to_be_visible()
        await expect(thread.get_by_role("button", name="Approve")).to_have_count(0)

        await act_as(page, "alex")
        await expect(thread.get_by_text(re.compile(r"alex, your request APR-\d+ \(a new laptop\) was approved by dana\."))).to_be_visible()
        await expect(page.locator("#approvals")).to_contain_text("None pending.")
        assert errors == []


async def test_an_email_is_previewed_sent_and_shown_in_the_mail_folder(serve: Serve, browser: BrowserContext) -> None:
    async with serve() as served:
        page = await browser.new_page()
        errors = no_console_errors(page)
        await page.goto(served.url)
        await act_as(page, "alex")
        await say(page, SEND_EMAIL)

        thread = page.locator("li.thread").filter(has_text=SEND_EMAIL)
        preview = thread.get_by_role("group", name="Send this email?")
        await expect(preview).to_contain_text("sam@example.com")
        await expect(page.locator("#mail")).to_contain_text("No mail yet.")
        await preview.get_by_role("button", name="Send").click()
        await expect(preview.get_by_role("button")).to_have_count(0)
        await expect(preview).to_contain_text("Sent by alex")

        mail = page.locator("#mail li.mail")
        await expect(mail).to_have_count(1)
        await expect(mail).to_contain_text("the Q3 report")
        await expect(mail).to_contain_text("To sam@example.com")
        await mail.get_by_text("Body").click()
        await expect(mail).to_contain_text("the Q3 report is ready")
        await page.screenshot(path=str(artifact("console-email.png")))
        assert errors == []


async def test_on_a_phone_the_page_fits_and_works_from_the_keyboard(serve: Serve, browser: BrowserContext) -> None:
    async with serve() as served:
        page = await browser.new_page()
        await page.set_viewport_size({"width": 390, "height": 844})
        await page.goto(served.url)
        await act_as(page, "sam")
        await page.get_by_label("Message #console").focus()
        await page.keyboard.type(SEND_EMAIL)
        await page.keyboard.press("Enter")
        preview = page.get_by_role("group", name="Send this email?")
        await expect(preview).to_be_visible()
        await preview.get_by_role("button", name="Send").focus()
        await page.keyboard.press("Enter")
        await expect(preview).to_contain_text("Sent by sam")
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow}px wider than a phone screen"
        unlabelled = await page.evaluate("""() => [...document.querySelectorAll('input, textarea, button, select')]
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
            .map(e => e.outerHTML)""")
        assert unlabelled == []
        await page.screenshot(path=str(artifact("console-phone.png")), full_page=True)


async def test_off_loopback_the_page_needs_the_token_then_works_live(serve: Serve, browser: BrowserContext) -> None:
    async with serve(bind_as="0.0.0.0", token=TOKEN) as served:
        page = await browser.new_page()
        refused = await page.goto(served.url)
        assert refused is not None and refused.status == 401
        await page.goto(f"{served.url}/?token={TOKEN}")
        assert page.url == f"{served.url}/"
        await expect(page.get_by_role("status").filter(has_text="live")).to_be_visible()
        await act_as(page, "alex")
        await say(page, SEND_EMAIL)
        await expect(page.get_by_role("group", name="Send this email?")).to_be_visible()



async def test_records_mail_and_approvals_fill_the_side_panel(serve: Serve, browser: BrowserContext) -> None:
    async with serve() as served:
        page = await browser.new_page()
        await page.set_viewport_size({"width": 1280, "height": 900})
        await page.goto(served.url)
        await act_as(page, "alex")
        await say(page, LOG_HOURS)
        await expect(page.locator("#records")).to_contain_text("timesheet #1")
        await expect(page.locator("#records")).to_contain_text("project: Apollo · hours: 3.5")
        await say(page, SEND_EMAIL)
        await page.get_by_role("group", name="Send this email?").get_by_role("button", name="Send").click()
        await expect(page.locator("#mail li.mail")).to_contain_text("the Q3 report")
        await say(page, ASK_APPROVAL)
        thread = page.locator("li.thread").filter(has_text=ASK_APPROVAL)
        await expect(thread.get_by_role("group", name="Approval requested: a new laptop")).to_be_visible()
        await expect(page.locator("#approvals")).to_contain_text("waiting on dana")
        await thread.locator("details.nlu summary").click()
        await page.get_by_label("Message #console").focus()
        await thread.scroll_into_view_if_needed()
        await page.screenshot(path=str(artifact("console.png")))


async def test_a_file_is_attached_from_the_keyboard_and_downloaded_back(serve: Serve, browser: BrowserContext,
                                                                         tmp_path: Path) -> None:
    sheet = tmp_path / "orders.csv"
    sheet.write_bytes(b"customer,product,quantity\nAcme,Widget,3\n")
    async with serve() as served:
        page = await browser.new_page()
        await page.goto(served.url)
        await act_as(page, "alex")
        await page.get_by_label("Attach files").set_input_files(str(sheet))
        await expect(page.locator("#chosen")).to_contain_text("orders.csv")
        await say(page, "here are the orders")
        thread = page.locator("li.thread").filter(has_text="here are the orders")
        link = thread.get_by_role("link", name="orders.csv")
        await expect(link).to_be_visible()
        await expect(page.locator("#chosen")).to_be_hidden()
        async with page.expect_download() as info:
            await link.click()
        download = await info.value
        assert download.suggested_filename == "orders.csv"
        assert Path(await download.path()).read_bytes() == sheet.read_bytes()


class HeldNLU:
    """The browser tests' scripted NLU, except that one text waits until the test lets it through."""

    def __init__(self, held: str) -> None:
        self.inner = scripted_nlu()
        self.info = self.inner.info
        self.held = held
        self.release = asyncio.Event()

    async def parse(self, message: Message) -> Parse:
        if message.text == self.held:
            await self.release.wait()
        return await self.inner.parse(message)

    async def say(self, *, intent: str, args: dict[str, Any], status: str, summary: str) -> str | None:
        return await self.inner.say(intent=intent, args=args, status=status, summary=summary)


async def test_a_card_drawn_again_keeps_the_keyboard_focus(serve: Serve, browser: BrowserContext) -> None:
    """The focus is on Send when the thread turns busy and idle again (the card is drawn anew
    each time): Enter still sends."""
    nlu = HeldNLU("what can you do?")
    async with serve(nlu=nlu) as served:
        page = await browser.new_page()
        await page.goto(served.url)
        await act_as(page, "sam")
        await say(page, SEND_EMAIL)
        preview = page.get_by_role("group", name="Send this email?")
        await expect(preview).to_be_visible()
        send = preview.get_by_role("button", name="Send")
        await send.focus()
        first = await send.element_handle()
        thread = page.locator("li.thread").first
        await page.evaluate("""(thread) => fetch('/console/api/messages', {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({user: 'sam', text: 'what can you do?', thread})})""",
                            await thread.get_attribute("data-thread"))
        await expect(thread).to_contain_text("working on it")
        assert not await first.evaluate("node => node.isConnected"), "the card was not drawn again"
        await expect(send).to_be_focused()
        nlu.release.set()
        await expect(thread).not_to_contain_text("working on it")
        await expect(send).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(preview).to_contain_text("Sent by sam")
