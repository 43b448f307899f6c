"""Thumbs in the console: a click on 👍 records the rating and the export includes it; 👎 is kept apart."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from bot.cli import app
from bot.lifecycle.feedback import ASK
from bot.lifecycle.tables import nlu_feedback
from tests.browser.flows import ASK_APPROVAL, LOG_HOURS, SEND_EMAIL
from tests.unit.console.conftest import Factory
from tests.unit.console.test_console_api import by_text, click, label_index


def buttons(entry: dict) -> list[str]:
    return [b["label"] for b in (entry["card"] or {}).get("buttons", [])]


async def test_thumbs_ride_on_replies_to_a_reading_and_a_click_is_exported(
        console: Factory, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with console() as c:
        logged = await c.say(LOG_HOURS, user="alex")
        reply = (await c.thread(logged, user="alex"))[-1]
        assert reply["is_bot"] and buttons(reply) == ["👍", "👎"]  # on the record's own card
        emailed = await c.say(SEND_EMAIL, user="alex")
        preview = by_text(await c.thread(emailed, user="alex"), "Send this email?")
        assert buttons(preview) == ["Send", "Cancel", "👍", "👎"]
        asked = await c.say(ASK_APPROVAL, user="alex")
        told = (await c.thread(asked, user="alex"))[-1]
        assert told["card"]["title"] == ASK and buttons(told) == ["👍", "👎"]  # a plain reply gets a small card

        assert await click(c, reply, "👍", user="alex") == 200
        assert await click(c, told, "👎", user="alex") == 200
        thanks = [e for e in await c.thread(logged, user="alex") if e["text"] == "Thanks, noted."]
        assert len(thanks) == 1 and thanks[0]["private_to"] == "alex"
        # A rating leaves the preview's Send and Cancel as they were.
        assert await click(c, preview, "👍", user="alex") == 200
        assert buttons(by_text(await c.thread(emailed, user="alex"), "Send this email?"))[:2] == ["Send", "Cancel"]
        assert await click(c, preview, "Send", user="alex") == 200
        bad = await c.client.post("/console/api/actions", json={
            "user": "alex", "entry": reply["id"], "button": label_index(reply, "👎") + 1, "click": "c9"})
        assert bad.status == 400
        async with c.runtime.database.sessions() as session:
            kinds = (await session.execute(sa.select(nlu_feedback.c.kind, nlu_feedback.c.text)
                                           .order_by(nlu_feedback.c.id))).all()
        assert [tuple(k) for k in kinds] == [("up", LOG_HOURS), ("down", ASK_APPROVAL), ("up", SEND_EMAIL)]

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLOWDESK_DATA_DIR", str(data_dir))
    out = tmp_path / "feedback.jsonl"
    result = await asyncio.to_thread(CliRunner().invoke, app, ["feedback", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    exported = [json.loads(line) for line in out.read_text().splitlines()]
    assert exported == [
        {"text": LOG_HOURS, "intent": "record.create", "args": {"form": "timesheet",
                                                                "fields": {"project": "Apollo", "hours": 3.5}}},
        {"text": SEND_EMAIL, "intent": "email.send", "args": {"to": ["sam@example.com"], "subject": "the Q3 report",
                                                              "body": "Hi Sam, the Q3 report is ready."}},
    ]
