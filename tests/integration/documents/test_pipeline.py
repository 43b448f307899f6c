"""A message carrying a file, through the whole pipeline: preview, report as a file, Enter."""

from __future__ import annotations

from bot.models import Attachment, Message
from bot.runtime import Runtime
from tests.integration.documents.chat import click, stored


async def test_a_message_with_a_file_gets_a_preview_and_the_report_as_a_file(runtime: Runtime) -> None:
    data = b"Name,Email\nAda Lovelace,ADA@example.com\nBob,bob@\n"
    message = Message(platform="console", workspace="local", channel="console", id="m1", user="alex", text="",
                      attachments=(Attachment(name="people.csv", mime_type="text/csv", size=len(data), content=data),))
    reply = await runtime.dispatcher.handle_message(message, delivery_key="d1")
    assert reply is not None and reply.card is not None, reply
    assert "1 row ready, 1 with problems" in reply.card.title
    report = await click(runtime, reply, "Download rejected rows")
    assert report.attachments and b"bob@" in (report.attachments[0].content or b"")
    await click(runtime, reply, "Enter")
    assert await stored(runtime, "customer") == [{"name": "Ada Lovelace", "email": "ada@example.com"}]
    assert await runtime.dispatcher.handle_message(message, delivery_key="d1") is None
