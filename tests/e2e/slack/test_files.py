"""Files shared in Slack: downloaded with the bot token, previewed, entered once, refused when unfit.

A real flowdesk on loopback against the fake Slack Web API, which keeps the
files (``files.info``, ``url_private_download`` served to the bot token only)
and takes uploads through the v2 flow.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
import sqlalchemy as sa

from connectors.data_entry import DataEntryConnector
from connectors.documents import DocumentsConnector
from connectors.tables import records
from tests.e2e.slack.conftest import Bot, start_bot
from tests.e2e.slack.players import block_texts, fixture, posted_card
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.integration.documents.files import customers_workbook
from tests.integration.documents.test_receipts import receipt_pdf

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DM = "D0FILES01"
FILE_TS = "1700001000.000100"


@pytest.fixture
async def bot(tmp_path: Path, fake_slack: FakeSlack) -> AsyncIterator[Bot]:
    running, stop = await start_bot(tmp_path, fake_slack, connectors={
        "data_entry": DataEntryConnector, "documents": DocumentsConnector})
    running.runtime.adapters["slack"].files.grace = 0.5  # type: ignore[attr-defined]
    yield running
    await stop()


def workbook() -> tuple[bytes, int, int]:
    """A messy customer workbook: its bytes, rows a clerk would enter, rows a clerk would refuse."""
    data, expected = customers_workbook(30, seed=11, existing=0)
    return data, len(expected.ready), len(expected.rejected)


def message_event(file: dict[str, Any], *, text: str = "", channel: str = DM, ts: str = FILE_TS,
                  event_id: str = "EvFILEMSG1", mention: bool = False, thread_ts: str | None = None) -> bytes:
    """The event Slack sends for a message carrying a file: a DM ``file_share`` or an @mention."""
    body = fixture("slack_app_mention_event_callback.json")
    event: dict[str, Any] = {"type": "app_mention" if mention else "message", "text": text, "files": [file],
                             "upload": False, "user": "W111", "display_as_bot": False, "ts": ts, "event_ts": ts,
                             "channel": channel, "team": "T111"}
    if not mention:
        event.update(subtype="file_share", channel_type="im")
    if thread_ts:
        event.update(thread_ts=thread_ts, parent_user_id="W111")
    body.update(event=event, event_id=event_id, team_id="T111")
    return json.dumps(body).encode()


def shared_event(file_id: str, *, channel: str = DM, user: str = "W111", event_id: str = "EvFILESHR1") -> bytes:
    """``file_shared`` as Slack's docs show it (channel, file id, user, event_ts)."""
    body = fixture("slack_app_mention_event_callback.json")
    body.update(event={"type": "file_shared", "channel_id": channel, "file_id": file_id, "user_id": user,
                       "file": {"id": file_id}, "event_ts": "1700001000.000300"},
                event_id=event_id, team_id="T111")
    return json.dumps(body).encode()


async def post(bot: Bot, body: bytes) -> int:
    return (await bot.player.post(body, content_type="application/json")).status


async def stored(bot: Bot) -> list[dict[str, Any]]:
    async with bot.runtime.database.transaction() as session:
        rows = await session.execute(sa.select(records.c.data).order_by(records.c.id))
        return [dict(r.data) for r in rows]


def texts_to(slack: FakeSlack, channel: str) -> list[str]:
    return [c.args.get("text", "") for c in slack.of("chat.postMessage") if c.args.get("channel") == channel]


async def test_a_workbook_sent_in_a_direct_message_is_previewed_once_and_entered_once(bot: Bot) -> None:
    data, ready, rejected = workbook()
    file = bot.slack.share_file("customers.xlsx", data, user="W111", channel=DM, ts=FILE_TS, mimetype=XLSX)
    # Slack sends the message and file_shared for the same upload, and retries the message once.
    assert await post(bot, message_event(file, text="new customers")) == 200
    assert await post(bot, shared_event(file["id"])) == 200
    assert await post(bot, message_event(file, text="new customers")) == 200
    card = await bot.slack.wait_for(lambda: posted_card(bot.slack, "document.enter"))
    await asyncio.sleep(1.5)  # past file_shared's grace: it finds the file taken
    assert len([c for c in bot.slack.of("chat.postMessage") if c.args.get("blocks")]) == 1
    assert bot.slack.downloaded(file["id"]) == [BOT_TOKEN]
    assert card["channel"] == DM and card["thread_ts"] == FILE_TS
    shown = block_texts(card["blocks"])
    assert f"customers.xlsx → customer: {ready} rows ready, {rejected} with problems" in shown
    assert "Column “E-mail Address”" in shown

    await bot.player.click(card, action_id="document.report", user="W111")
    upload = (await bot.slack.wait_for(lambda: bot.slack.uploads))[0]
    assert (upload.name, upload.channel, upload.thread_ts) == ("customers-rejected-rows.csv", DM, FILE_TS)
    report = list(csv.reader(io.StringIO(upload.content.decode("utf-8"))))
    assert report[0][:2] == ["row", "problems"] and len(report) == rejected + 1

    await bot.player.click(card, action_id="document.enter", user="W111")
    await bot.player.click(card, action_id="document.enter", user="W111")
    update = await bot.slack.wait_for(lambda: bot.slack.of("chat.update"))
    assert f"Entered {ready} customer records from customers.xlsx" in block_texts(update[0].args["blocks"])
    await bot.slack.wait_for(lambda: [h for h in bot.slack.hooks if "already entered" in h[1].get("text", "")])
    assert len(await stored(bot)) == ready


async def test_a_file_with_a_mention_in_a_channel_thread_is_answered_in_that_thread(bot: Bot) -> None:
    data, ready, _ = workbook()
    file = bot.slack.share_file("customers.xlsx", data, user="W111", channel="C111", ts="1700002000.000200",
                                thread_ts="1700001900.000100", mimetype=XLSX)
    body = message_event(file, text="<@UFLOWBOT> import these customers", channel="C111", mention=True,
                         ts="1700002000.000200", thread_ts="1700001900.000100", event_id="EvFILEMEN1")
    assert await post(bot, body) == 200
    # In a channel, file_shared alone (no mention) is not answered.
    assert await post(bot, shared_event(file["id"], channel="C111", event_id="EvFILESHR2")) == 200
    card = await bot.slack.wait_for(lambda: posted_card(bot.slack, "document.enter"))
    assert card["channel"] == "C111" and card["thread_ts"] == "1700001900.000100"
    await bot.player.click(card, action_id="document.enter", user="W111")
    await bot.slack.wait_for(lambda: bot.slack.of("chat.update"))
    assert len(await stored(bot)) == ready
    await asyncio.sleep(1.0)
    assert bot.slack.downloaded(file["id"]) == [BOT_TOKEN]


async def test_file_shared_alone_is_answered_in_the_thread_of_its_message(bot: Bot) -> None:
    data = b"name,email\nAda Lovelace,ada@example.com\n"
    file = bot.slack.share_file("people.csv", data, user="W111", channel=DM, ts="1700003000.000100",
                                mimetype="text/csv")
    assert await post(bot, shared_event(file["id"], event_id="EvFILESHR3")) == 200
    card = await bot.slack.wait_for(lambda: posted_card(bot.slack, "document.enter"))
    assert card["channel"] == DM and card["thread_ts"] == "1700003000.000100"
    assert "people.csv → customer: 1 row ready, 0 with problems" in block_texts(card["blocks"])


async def test_the_bots_own_uploads_are_not_read(bot: Bot) -> None:
    file = bot.slack.share_file("report.csv", b"row,problems\n", user="UFLOWBOT", channel=DM, ts="1700004000.000100")
    assert await post(bot, shared_event(file["id"], user="UFLOWBOT", event_id="EvFILESHR4")) == 200
    await asyncio.sleep(1.5)
    assert bot.slack.of("files.info") == [] and bot.slack.downloads == []


async def test_an_oversized_file_is_refused_before_any_download(bot: Bot) -> None:
    file = bot.slack.share_file("huge.csv", b"name,email\n", user="W111", channel=DM, ts="1700005000.000100",
                                mimetype="text/csv", size=50 * 1024 * 1024)
    assert await post(bot, message_event(file, ts="1700005000.000100", event_id="EvFILEBIG1")) == 200
    told = await bot.slack.wait_for(lambda: texts_to(bot.slack, DM))
    assert told == ["I can't take 'huge.csv': it is 50.0 MB; the limit is 10.0 MB."]
    assert bot.slack.downloads == [] and await stored(bot) == []


async def test_forged_files_are_refused_with_a_reason_and_nothing_is_entered(bot: Bot) -> None:
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(range(256)) * 8
    disguised = bot.slack.share_file("customers.xlsx", program, user="W111", channel=DM, ts="1700006000.000100",
                                     mimetype=XLSX)
    assert await post(bot, message_event(disguised, ts="1700006000.000100", event_id="EvFILEFRG1")) == 200
    told = await bot.slack.wait_for(lambda: texts_to(bot.slack, DM))
    assert "customers.xlsx" in told[0] and "not a CSV, XLSX, PNG, JPEG or PDF" in told[0]

    executable = bot.slack.share_file("setup.exe", program, user="W111", channel=DM, ts="1700006100.000100")
    assert await post(bot, message_event(executable, ts="1700006100.000100", event_id="EvFILEFRG2")) == 200
    told = await bot.slack.wait_for(lambda: len(texts_to(bot.slack, DM)) == 2 and texts_to(bot.slack, DM))
    assert "setup.exe" in told[1] and "I only read" in told[1]
    assert bot.slack.downloaded(executable["id"]) == []

    csv_file = bot.slack.share_file("people.csv", b"name,email\nEve,eve@example.com\n", user="W111", channel=DM,
                                    ts="1700006200.000100", mimetype="text/csv")
    forged = message_event(csv_file, ts="1700006200.000100", event_id="EvFILEFRG3")
    response = await bot.player.post(forged, content_type="application/json",
                                     headers={"X-Slack-Signature": "v0=" + "0" * 64})
    assert response.status == 401
    await asyncio.sleep(0.5)
    assert bot.slack.downloaded(csv_file["id"]) == [] and await stored(bot) == []


async def test_a_file_served_as_a_sign_in_page_is_refused(bot: Bot, fake_slack: FakeSlack) -> None:
    fake_slack.bot_token = "xoxb-another-token"  # Slack would not let this token read the file
    file = bot.slack.share_file("people.csv", b"name,email\nAda,ada@example.com\n", user="W111", channel=DM,
                                ts="1700007000.000100", mimetype="text/csv")
    assert await post(bot, message_event(file, ts="1700007000.000100", event_id="EvFILEAUTH")) == 200
    told = await bot.slack.wait_for(lambda: texts_to(bot.slack, DM))
    assert "sign-in page" in told[0] and "files:read" in told[0]
    assert await stored(bot) == []



async def click_typing(bot: Bot, card: dict[str, Any], action_id: str, typed: dict[str, str]) -> int:
    """A click on ``card`` with the inputs holding ``typed`` (else their initial value), as Slack sends
    it: the text of every input block in ``state.values``."""
    body = dict(parse_qsl(bot.player.click_body(card, action_id=action_id, user="W111").decode()))
    payload = json.loads(body["payload"])
    payload["state"] = {"values": {
        block["block_id"]: {"value": {"type": "plain_text_input", "value": typed.get(
            block["block_id"].removeprefix("flowdesk.input."), block["element"].get("initial_value"))}}
        for block in card["blocks"] if block["type"] == "input"}}
    form = urlencode({"payload": json.dumps(payload)}).encode()
    return (await bot.player.post(form, content_type="application/x-www-form-urlencoded")).status


async def test_a_receipt_is_corrected_in_its_card_before_it_is_entered(bot: Bot) -> None:
    file = bot.slack.share_file("receipt.pdf", receipt_pdf(), user="W111", channel=DM, ts="1700008000.000100",
                                mimetype="application/pdf")
    assert await post(bot, message_event(file, ts="1700008000.000100", event_id="EvFILERCPT")) == 200
    card = await bot.slack.wait_for(lambda: posted_card(bot.slack, "document.enter"))
    shown = {b["block_id"]: b["element"].get("initial_value") for b in card["blocks"] if b["type"] == "input"}
    assert shown == {"flowdesk.input.amount": "16.70", "flowdesk.input.currency": "EUR",
                     "flowdesk.input.merchant": "PAPER & CO", "flowdesk.input.date": "2026-11-03"}

    assert await click_typing(bot, card, "document.enter", {"amount": "16,70 EUR", "currency": "EURO"}) == 200
    told = await bot.slack.wait_for(lambda: bot.slack.hooks)
    assert told[0][1]["response_type"] == "ephemeral"
    assert "The amount '16,70 EUR' is not a number above zero" in told[0][1]["text"]
    assert await click_typing(bot, card, "document.enter", {"currency": "EURO"}) == 200
    told = await bot.slack.wait_for(lambda: len(bot.slack.hooks) == 2 and bot.slack.hooks)
    assert "The currency 'EURO' is not an ISO 4217 code" in told[1][1]["text"]
    assert bot.slack.of("chat.update") == [] and await stored(bot) == []

    assert await click_typing(bot, card, "document.enter", {"amount": "18.20", "merchant": "Paper & Co",
                                                            "date": "2026-11-04"}) == 200
    update = await bot.slack.wait_for(lambda: bot.slack.of("chat.update"))
    assert "Entered 1 expense record from receipt.pdf (EXP-1)." in block_texts(update[0].args["blocks"])
    assert not [b for b in update[0].args["blocks"] if b["type"] in ("input", "actions")]
    assert await stored(bot) == [{"amount": 18.2, "currency": "EUR", "description": "Paper & Co, 2026-11-04"}]
