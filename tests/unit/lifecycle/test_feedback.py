"""Feedback in chat: a request completed after a question becomes a training example."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.lifecycle.feedback import ASK, FeedbackRecorder, examples, rating_buttons
from bot.models import Interaction, Message, Parse
from connectors.base import ConnectorConfig
from tests.fakes.connectors import NotebookConnector
from tests.fakes.nlu import ScriptedNLU
from tests.fakes.runtime import started_runtime


def said(text: str, n: int, *, thread: str = "t1") -> Message:
    return Message(platform="console", channel="c", thread=thread, id=f"m{n}", user="alex", text=text)


async def test_answered_question_is_exported_with_only_the_stated_arguments(data_dir: Path, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    nlu = ScriptedNLU()
    nlu.teach("take a note", "note.add")
    nlu.teach("note about the budget review", "note.add", body="the budget review")
    nlu.teach("note: milk", "note.add", title="milk")
    async with started_runtime(data_dir, connectors=[NotebookConnector(config=ConnectorConfig())], nlu=nlu) as rt:
        d = rt.dispatcher
        assert (await d.handle_message(said("take a note", 1))).text == "What should the note be called?"  # type: ignore[union-attr]
        await d.handle_message(said("Groceries", 2))
        await d.handle_message(said("note about the budget review", 3, thread="t2"))
        await d.handle_message(said("Budget", 4, thread="t2"))
        nlu.teach("note: 4", "note.add", title="4", body=["not", "text"])
        assert "doesn't look right" in (await d.handle_message(said("note: 4", 8, thread="t5"))).text  # type: ignore[union-attr]
        await d.handle_message(said("four things", 9, thread="t5"))  # the corrected body
        await d.handle_message(said("note: milk", 5, thread="t3"))  # understood at once: nothing to learn
        await d.handle_message(said("take a note", 6, thread="t4"))  # asked, then dropped: not an example
        await d.handle_message(said("never mind", 7, thread="t4"))
        rows = await examples(rt.database)
    assert rows == [
        {"text": "take a note", "intent": "note.add"},
        {"text": "note about the budget review", "intent": "note.add", "args": {"body": "the budget review"}},
        {"text": "note: 4", "intent": "note.add", "args": {"title": "4", "body": "four things"}},
    ]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLOWDESK_DATA_DIR", str(data_dir))
    out = tmp_path / "feedback.jsonl"
    result = await asyncio.to_thread(CliRunner().invoke, app, ["feedback", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert [json.loads(line) for line in out.read_text().splitlines()] == rows


async def test_thumbs_up_is_exported_and_thumbs_down_is_not(data_dir: Path) -> None:
    async with started_runtime(data_dir, connectors=[]) as rt:
        recorder = FeedbackRecorder(rt.database, model_version="v7")
        await recorder.rate(key="k", user="u", text="order 2 lattes", intent="coffee.order",
                            args={"quantity": 2}, up=True)
        await recorder.rate(key="k", user="u", text="what's up", intent="coffee.order", args={}, up=False)
        assert await examples(rt.database) == [
            {"text": "order 2 lattes", "intent": "coffee.order", "args": {"quantity": 2}}]


async def test_thumbs_buttons_record_the_reading_they_carry(data_dir: Path) -> None:
    async with started_runtime(data_dir, connectors=[]) as rt:
        reading = Parse(intent="coffee.order", confidence=0.9, args={"drink": "latte"})
        up, down = rating_buttons("order me a latte", reading)
        reply = await rt.dispatcher.handle_interaction(Interaction(
            platform="console", channel="c", thread="t1", user="alex", action_id=up.action_id, value=up.value,
            delivery_id="d1"))
        assert reply is not None and reply.private and "Thanks" in reply.text
        await rt.dispatcher.handle_interaction(Interaction(
            platform="console", channel="c", thread="t1", user="alex", action_id=down.action_id,
            value=rating_buttons("what's up", Parse(intent="coffee.order", confidence=0.5))[1].value,
            delivery_id="d2"))
        assert await examples(rt.database) == [
            {"text": "order me a latte", "intent": "coffee.order", "args": {"drink": "latte"}}]
    assert rating_buttons("x" * 3000, reading) == ()


async def test_only_replies_to_a_fresh_reading_carry_the_thumbs(data_dir: Path) -> None:
    nlu = ScriptedNLU()
    nlu.teach("take a note", "note.add")
    nlu.teach("note: milk", "note.add", title="milk")
    async with started_runtime(data_dir, connectors=[NotebookConnector(config=ConnectorConfig())], nlu=nlu) as rt:
        d = rt.dispatcher
        done = await d.handle_message(said("note: milk", 1))
        assert done is not None and done.card is not None and done.card.title == ASK
        assert [b.label for b in done.card.buttons] == ["👍", "👎"]
        assert json.loads(done.card.buttons[0].value) == {"text": "note: milk", "intent": "note.add",
                                                          "args": {"title": "milk"}}
        question = await d.handle_message(said("take a note", 2, thread="t2"))
        answered = await d.handle_message(said("Groceries", 3, thread="t2"))
        unknown = await d.handle_message(said("sing me a song", 4, thread="t3"))
        assert all(r is not None and r.card is None for r in (question, answered, unknown))

        up, down = done.card.buttons
        click = Interaction(platform="console", channel="c", thread="t1", user="alex", action_id=up.action_id,
                            value=up.value, delivery_id="d1")
        assert await d.handle_interaction(click) is not None
        assert await d.handle_interaction(click) is None  # a retried delivery records nothing twice
        assert await examples(rt.database) == [{"text": "take a note", "intent": "note.add"},
                                               {"text": "note: milk", "intent": "note.add", "args": {"title": "milk"}}]
        await d.handle_interaction(click.model_copy(update={"action_id": down.action_id, "delivery_id": "d2"}))
        assert await examples(rt.database) == [{"text": "take a note", "intent": "note.add"}]  # withdrawn
        bad = await d.handle_interaction(click.model_copy(update={"value": "not json", "delivery_id": "d3"}))
        assert bad is not None and bad.private and "couldn't" in bad.text


async def test_rating_buttons_can_be_switched_off(data_dir: Path) -> None:
    nlu = ScriptedNLU()
    nlu.teach("note: milk", "note.add", title="milk")
    async with started_runtime(data_dir, connectors=[NotebookConnector(config=ConnectorConfig())], nlu=nlu,
                               rating_buttons="false") as rt:
        done = await rt.dispatcher.handle_message(said("note: milk", 1))
        assert done is not None and done.card is None and done.text == "Noted “milk”."
