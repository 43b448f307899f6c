"""The pipeline: multi-turn slot filling, Send/Cancel previews, bad input, retried deliveries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.errors import AdapterError
from bot.models import Interaction, Message, Reply
from bot.runtime import Runtime
from bot.storage.tables import conversations, pending_actions, processed_events
from connectors.base import ConnectorConfig
from tests.fakes.connectors import NotebookConnector
from tests.fakes.nlu import ScriptedNLU
from tests.fakes.runtime import started_runtime


@pytest.fixture
def notebook() -> NotebookConnector:
    return NotebookConnector(config=ConnectorConfig())


@pytest.fixture
def nlu() -> ScriptedNLU:
    nlu = ScriptedNLU()
    nlu.teach("take a note", "note.add")
    nlu.teach("note: milk", "note.add", title="milk")
    nlu.teach("shout hello", "note.shout", words="hello")
    nlu.teach("shout hello at sam", "note.shout", words="hello", to=["sam"])
    return nlu


@pytest.fixture
async def runtime(data_dir: Path, notebook: NotebookConnector, nlu: ScriptedNLU) -> AsyncIterator[Runtime]:
    async with started_runtime(data_dir, connectors=[notebook], nlu=nlu) as runtime:
        yield runtime


def said(text: str, n: int, *, user: str = "alex", thread: str = "t1") -> Message:
    return Message(platform="console", channel="c", thread=thread, id=f"m{n}", user=user, text=text)


def click(reply: Reply, label: str, *, user: str = "alex", delivery: str = "d1") -> Interaction:
    assert reply.card is not None
    button = next(b for b in reply.card.buttons if b.label == label)
    return Interaction(platform="console", channel="c", thread="t1", user=user,
                       action_id=button.action_id, value=button.value, delivery_id=delivery)


async def count(runtime: Runtime, table: sa.Table) -> int:
    async with runtime.database.sessions() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


async def test_missing_argument_is_asked_and_filled_in_the_same_thread(runtime: Runtime, notebook: NotebookConnector) -> None:
    reply = await runtime.dispatcher.handle_message(said("take a note", 1), delivery_key="e1")
    assert reply is not None and reply.text == "What should the note be called?"
    assert notebook.notes == []
    reply = await runtime.dispatcher.handle_message(said("Quarterly plan", 2), delivery_key="e2")
    assert reply is not None and "Quarterly plan" in reply.text
    assert notebook.notes == [("alex", "Quarterly plan", None)]
    assert await count(runtime, conversations) == 0


async def test_an_answer_in_another_thread_does_not_fill_the_question(runtime: Runtime, notebook: NotebookConnector) -> None:
    await runtime.dispatcher.handle_message(said("take a note", 1), delivery_key="e1")
    reply = await runtime.dispatcher.handle_message(said("Quarterly plan", 2, thread="other"), delivery_key="e2")
    assert reply is not None and "can't help" in reply.text
    assert notebook.notes == []


async def test_cancel_drops_the_open_question(runtime: Runtime, notebook: NotebookConnector) -> None:
    await runtime.dispatcher.handle_message(said("take a note", 1))
    reply = await runtime.dispatcher.handle_message(said("never mind", 2))
    assert reply is not None and "dropped" in reply.text
    assert await count(runtime, conversations) == 0 and notebook.notes == []


async def test_list_argument_filled_from_mentions(runtime: Runtime, notebook: NotebookConnector) -> None:
    reply = await runtime.dispatcher.handle_message(said("shout hello", 1))
    assert reply is not None and reply.text == "Who should hear it?"
    preview = await runtime.dispatcher.handle_message(said("<@U024BE7LH> and dana@Example.com", 2))
    assert preview is not None and preview.card is not None
    assert ("To", "U024BE7LH, dana@example.com") in preview.card.fields
    assert notebook.shouts == []


async def test_send_runs_the_previewed_action_once(runtime: Runtime, notebook: NotebookConnector) -> None:
    preview = await runtime.dispatcher.handle_message(said("shout hello at sam", 1))
    assert preview is not None and preview.card is not None
    assert [b.label for b in preview.card.buttons] == ["Send", "Cancel", "👍", "👎"]  # then the reading's rating
    assert notebook.shouts == []
    done = await runtime.dispatcher.handle_interaction(click(preview, "Send"))
    assert done is not None and done.replace and done.card is not None and done.card.buttons == ()
    assert "Sent by alex" in done.card.footer
    again = await runtime.dispatcher.handle_interaction(click(preview, "Send", delivery="d2"))
    assert again is not None and again.private and "already" in again.text
    retried = await runtime.dispatcher.handle_interaction(click(preview, "Send"))
    assert retried is None
    assert notebook.shouts == [("alex", ("sam",), "hello")]


async def test_cancel_runs_nothing_and_is_final(runtime: Runtime, notebook: NotebookConnector) -> None:
    preview = await runtime.dispatcher.handle_message(said("shout hello at sam", 1))
    assert preview is not None
    cancelled = await runtime.dispatcher.handle_interaction(click(preview, "Cancel"))
    assert cancelled is not None and "Cancelled by alex" in cancelled.text
    late = await runtime.dispatcher.handle_interaction(click(preview, "Send", delivery="d2"))
    assert late is not None and late.private
    assert notebook.shouts == []


async def test_only_the_requester_can_send(runtime: Runtime, notebook: NotebookConnector) -> None:
    preview = await runtime.dispatcher.handle_message(said("shout hello at sam", 1))
    assert preview is not None
    intruder = await runtime.dispatcher.handle_interaction(click(preview, "Send", user="mallory"))
    assert intruder is not None and intruder.private
    assert notebook.shouts == []
    async with runtime.database.sessions() as session:
        assert await session.scalar(sa.select(pending_actions.c.state)) == "pending"


async def test_concurrent_sends_run_the_action_once(runtime: Runtime, notebook: NotebookConnector) -> None:
    preview = await runtime.dispatcher.handle_message(said("shout hello at sam", 1))
    assert preview is not None
    clicks = [click(preview, "Send", delivery=f"d{i}") for i in range(10)]
    replies = await asyncio.gather(*(runtime.dispatcher.handle_interaction(c) for c in clicks))
    assert sum(1 for r in replies if r is not None and not r.private) == 1
    assert len(notebook.shouts) == 1


async def test_retried_delivery_is_processed_once(runtime: Runtime, notebook: NotebookConnector) -> None:
    first = await runtime.dispatcher.handle_message(said("note: milk", 1), delivery_key="Ev111")
    second = await runtime.dispatcher.handle_message(said("note: milk", 1), delivery_key="Ev111")
    assert first is not None and second is None
    assert notebook.notes == [("alex", "milk", None)]


@pytest.mark.parametrize("text", ["", "   \n\t", "x" * 50_000])
async def test_empty_or_huge_message_gets_a_clear_reply_and_stores_nothing(runtime: Runtime, nlu: ScriptedNLU, text: str) -> None:
    reply = await runtime.dispatcher.handle_message(said(text, 1), delivery_key="e1")
    assert reply is not None and reply.text
    assert nlu.seen == []
    assert await count(runtime, processed_events) == 0 and await count(runtime, conversations) == 0


async def test_invalid_utf8_gets_a_clear_reply(runtime: Runtime, nlu: ScriptedNLU) -> None:
    broken = b"approve \xff\xfe laptop".decode("utf-8", errors="surrogateescape")
    reply = await runtime.dispatcher.handle_message(said(broken, 1), delivery_key="e1")
    assert reply is not None and "UTF-8" in reply.text
    assert nlu.seen == [] and await count(runtime, processed_events) == 0


async def test_message_in_an_unknown_thread_starts_fresh(runtime: Runtime, notebook: NotebookConnector) -> None:
    reply = await runtime.dispatcher.handle_message(said("note: milk", 1, thread="never-seen"), delivery_key="e1")
    assert reply is not None and "milk" in reply.text
    assert notebook.notes == [("alex", "milk", None)]


async def test_unknown_button_or_bad_value_is_an_adapter_error(runtime: Runtime, notebook: NotebookConnector) -> None:
    unknown = Interaction(platform="console", user="alex", action_id="nope.nothing", value="{}")
    with pytest.raises(AdapterError) as info:
        await runtime.dispatcher.handle_interaction(unknown)
    assert info.value.status == 400
    bad = Interaction(platform="console", user="alex", action_id="flowdesk.confirm", value="not json")
    with pytest.raises(AdapterError):
        await runtime.dispatcher.handle_interaction(bad)
    gone = Interaction(platform="console", user="alex", action_id="flowdesk.confirm", value='{"id": "missing"}')
    reply = await runtime.dispatcher.handle_interaction(gone)
    assert reply is not None and reply.private and "no longer" in reply.text


async def test_help_lists_the_actions(runtime: Runtime, nlu: ScriptedNLU) -> None:
    nlu.teach("what can you do", "help")
    reply = await runtime.dispatcher.handle_message(said("what can you do", 1))
    assert reply is not None and "Write a note." in reply.text
