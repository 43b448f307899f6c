"""The console API: messages through the pipeline, cards and clicks, the NLU's reading, the side panel."""

from __future__ import annotations

import asyncio
import re

import pytest
from aiohttp import FormData

from bot.console.adapter import mentions_in
from tests.browser.flows import ASK_APPROVAL, LOG_HOURS, NEEDS_APPROVER, SEND_EMAIL
from tests.unit.console.conftest import Factory


def by_text(entries: list[dict], needle: str) -> dict:
    found = [e for e in entries if needle in (e["text"] or "") or needle in ((e["card"] or {}).get("title") or "")]
    assert found, f"nothing with {needle!r} in {[(e['author'], e['text']) for e in entries]}"
    return found[-1]


def label_index(entry: dict, label: str) -> int:
    return [b["label"] for b in entry["card"]["buttons"]].index(label)


async def click(console, entry: dict, label: str, *, user: str) -> int:
    response = await console.client.post("/console/api/actions", json={
        "user": user, "entry": entry["id"], "button": label_index(entry, label), "click": "c1"})
    return response.status


async def test_the_page_and_its_assets_are_served_from_the_package(console: Factory) -> None:
    async with console() as c:
        page = await c.client.get("/")
        assert page.status == 200
        html = await page.text()
        assert "<title>flowdesk console</title>" in html and 'for="user">Acting as' in html
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]
        assert not re.search(r"""(src|href)=["'](https?:)?//""", html), "the page must load nothing from elsewhere"
        for asset in ("console.js", "console.css"):
            assert (await c.client.get(f"/console/static/{asset}")).status == 200
        assert (await c.client.get("/console/static/../adapter.py")).status == 404


async def test_a_message_is_answered_in_its_thread_with_the_nlu_reading(console: Factory) -> None:
    async with console() as c:
        thread = await c.say(LOG_HOURS, user="alex")
        entries = await c.thread(thread, user="alex")
        mine, reply = entries[0], entries[-1]
        assert mine["author"] == "alex" and mine["text"] == LOG_HOURS
        assert mine["parse"]["intent"] == "record.create" and mine["parse"]["confidence"] == 0.99
        assert mine["parse"]["args"] == {"form": "timesheet", "fields": {"project": "Apollo", "hours": 3.5}}
        assert reply["is_bot"] and reply["author"] == "flowdesk"
        panel = await (await c.client.get("/console/api/panel")).json()
        assert panel["records"][0]["form"] == "timesheet" and panel["records"][0]["data"]["project"] == "Apollo"


async def test_a_question_is_answered_in_the_thread_without_an_nlu_reading(console: Factory) -> None:
    async with console() as c:
        thread = await c.say(NEEDS_APPROVER, user="alex")
        question = (await c.thread(thread, user="alex"))[-1]
        assert question["is_bot"] and question["text"] == "Who should approve it?"
        await c.say("@dana", user="alex", thread=thread)
        entries = await c.thread(thread, user="alex")
        answer = by_text(entries, "@dana")
        assert answer["author"] == "alex" and answer["parse"] is None
        assert "asked dana to approve a new laptop" in entries[-1]["text"]
        assert [m.text for m in c.nlu.seen] == [NEEDS_APPROVER]


async def test_approval_requester_sees_the_approvers_decision_in_the_thread(console: Factory) -> None:
    async with console() as c:
        thread = await c.say(ASK_APPROVAL, user="alex")
        await c.deliver()
        card = by_text(await c.thread(thread, user="dana"), "Approval requested")
        assert [b["label"] for b in card["card"]["buttons"]] == ["Approve", "Reject"]

        assert await click(c, card, "Approve", user="alex") == 200
        refusal = (await c.thread(thread, user="alex"))[-1]
        assert refusal["private_to"] == "alex" and "dana" not in [e["private_to"] for e in await c.thread(thread, user="dana")]

        assert await click(c, card, "Approve", user="dana") == 200
        decided = next(e for e in await c.thread(thread, user="dana") if e["id"] == card["id"])
        assert decided["card"]["title"].startswith("Approved") and not decided["card"]["buttons"]
        await c.deliver()
        told = by_text(await c.thread(thread, user="alex"), "was approved by dana")
        assert told["thread"] == thread
        panel = await (await c.client.get("/console/api/panel")).json()
        assert panel["approvals"] == []


async def test_pending_approval_is_listed_in_the_panel_with_its_approver(console: Factory) -> None:
    async with console() as c:
        await c.say(ASK_APPROVAL, user="alex")
        panel = await (await c.client.get("/console/api/panel")).json()
        [pending] = panel["approvals"]
        assert pending["subject"] == "a new laptop" and pending["waiting_on"] == ["dana"]
        assert pending["requester"] == "alex" and pending["amount"] == "1,200.00 USD"


async def test_email_preview_send_lands_in_the_mail_folder_panel(console: Factory) -> None:
    async with console() as c:
        thread = await c.say(SEND_EMAIL, user="alex")
        preview = by_text(await c.thread(thread, user="alex"), "Send this email?")
        assert await click(c, preview, "Send", user="alex") == 200
        sent = next(e for e in await c.thread(thread, user="alex") if e["id"] == preview["id"])
        assert not sent["card"]["buttons"] and "Sent by alex" in sent["card"]["footer"]
        await c.deliver()
        panel = await (await c.client.get("/console/api/panel")).json()
        [mail] = panel["mail"]
        assert mail["to"] == "sam@example.com" and mail["subject"] == "the Q3 report"
        assert "Q3 report is ready" in mail["text"] and panel["mail_folder"].endswith("mail")


async def test_only_buttons_the_card_shows_can_be_clicked(console: Factory) -> None:
    async with console() as c:
        thread = await c.say(LOG_HOURS, user="alex")
        plain = (await c.thread(thread, user="alex"))[0]
        bad = await c.client.post("/console/api/actions", json={"user": "alex", "entry": plain["id"], "button": 0})
        assert bad.status == 404
        thread = await c.say(SEND_EMAIL, user="alex")
        preview = by_text(await c.thread(thread, user="alex"), "Send this email?")
        bad = await c.client.post("/console/api/actions", json={"user": "alex", "entry": preview["id"], "button": 7})
        assert bad.status == 400
        await c.deliver()
        assert (await (await c.client.get("/console/api/panel")).json())["mail"] == []


async def test_bad_requests_are_refused_and_nothing_is_said(console: Factory) -> None:
    async with console() as c:
        for body in ({"user": "alex"}, {"user": "not a name!", "text": "hi"}, {"user": "alex", "text": "hi", "thread": "999"}):
            assert (await c.client.post("/console/api/messages", json=body)).status == 400
        assert (await c.client.post("/console/api/messages", data="[1]",
                                    headers={"Content-Type": "application/json"})).status == 400
        assert c.nlu.seen == []


async def test_threads_outlive_a_restart(console: Factory) -> None:
    await _approve_across_a_restart(console)


@pytest.mark.postgres
async def test_threads_outlive_a_restart_on_postgresql(console: Factory, postgres_url: str) -> None:
    await _approve_across_a_restart(console, database_url=postgres_url)


async def _approve_across_a_restart(console: Factory, **options: str) -> None:
    async with console(**options) as c:
        thread = await c.say(ASK_APPROVAL, user="alex")
        await c.deliver()
        quote = FormData({"user": "alex", "text": "the quote", "thread": thread})
        quote.add_field("file", b"%PDF-1.4 quote", filename="quote.pdf", content_type="application/pdf")
        upload = await c.client.post("/console/api/upload", data=quote, headers={"X-Flowdesk-Console": "1"})
        assert upload.status == 202
        await c.adapter.idle()
    async with console(**options) as c:
        [pdf] = by_text(await c.thread(thread, user="dana"), "the quote")["files"]
        assert await (await c.client.get(f"/console/api/files/{pdf['id']}", params={"user": "dana"})).read() == b"%PDF-1.4 quote"
        card = by_text(await c.thread(thread, user="dana"), "Approval requested")
        assert await click(c, card, "Approve", user="dana") == 200
        await c.deliver()
        assert by_text(await c.thread(thread, user="alex"), "was approved by dana")


async def test_the_live_stream_announces_a_change(console: Factory) -> None:
    async with console() as c:
        response = await c.client.get("/console/api/events")
        assert response.status == 200 and response.headers["Content-Type"].startswith("text/event-stream")
        first = await asyncio.wait_for(response.content.readuntil(b"event: change"), timeout=5)
        assert b"retry:" in first
        await c.say(LOG_HOURS, user="alex")
        following = await asyncio.wait_for(response.content.readuntil(b"event: change"), timeout=5)
        assert b"id:" in following
        response.close()


def test_mentions_name_console_users() -> None:
    assert [m.id for m in mentions_in("ask @dana and @sam.lee, cc @dana; mail a@b.com")] == ["dana", "sam.lee"]
