"""Files in the console: uploads reach the pipeline as attachments; replies' files can be downloaded."""

from __future__ import annotations

from typing import Any

from aiohttp import FormData, MultipartWriter

from bot.console.files import MAX_UPLOAD
from bot.models import Address, Attachment, Message, Reply
from tests.unit.console.conftest import Console, Factory

CSV = b"customer,product,quantity\nAcme,Widget,3\n"
UPLOAD = {"X-Flowdesk-Console": "1"}


def form(*files: tuple[str, bytes, str], text: str = "here are the orders", user: str = "alex") -> FormData:
    data = FormData()
    data.add_field("user", user)
    data.add_field("text", text)
    for name, content, mime in files:
        data.add_field("file", content, filename=name, content_type=mime)
    return data


def spy(c: Console) -> list[Message]:
    seen: list[Message] = []
    original = c.runtime.dispatcher.handle_message

    async def handle(message: Message, **kwargs: Any) -> Reply | None:
        seen.append(message)
        return await original(message, **kwargs)

    c.runtime.dispatcher.handle_message = handle  # type: ignore[method-assign]
    return seen


async def test_an_uploaded_file_reaches_the_pipeline_and_can_be_downloaded(console: Factory) -> None:
    async with console() as c:
        seen = spy(c)
        response = await c.client.post("/console/api/upload", data=form(("orders.csv", CSV, "text/csv")), headers=UPLOAD)
        assert response.status == 202
        await c.adapter.idle()
        [message] = seen
        assert message.text == "here are the orders"
        assert [(a.name, a.mime_type, a.size, a.content) for a in message.attachments] == [("orders.csv", "text/csv", len(CSV), CSV)]
        entry = (await c.thread((await response.json())["thread"], user="alex"))[0]
        [shown] = entry["files"]
        assert shown["name"] == "orders.csv" and shown["size"] == len(CSV)
        download = await c.client.get(f"/console/api/files/{shown['id']}", params={"user": "dana"})
        assert download.status == 200 and await download.read() == CSV
        assert download.headers["Content-Disposition"] == "attachment; filename*=UTF-8''orders.csv"


async def test_a_file_alone_is_a_message(console: Factory) -> None:
    async with console() as c:
        seen = spy(c)
        response = await c.client.post("/console/api/upload", data=form(("receipt.png", b"\x89PNG\r\n", "image/png"), text=""),
                                       headers=UPLOAD)
        assert response.status == 202
        await c.adapter.idle()
        assert seen[0].attachments[0].name == "receipt.png"


async def test_uploads_need_the_console_header_and_stay_under_the_cap(console: Factory) -> None:
    async with console() as c:
        seen = spy(c)
        assert (await c.client.post("/console/api/upload", data=form(("a.csv", CSV, "text/csv")))).status == 403
        big = form(("big.bin", b"x" * (MAX_UPLOAD + 1), "application/octet-stream"))
        assert (await c.client.post("/console/api/upload", data=big, headers=UPLOAD)).status == 413
        nothing = MultipartWriter("form-data")
        for name, value in (("user", "alex"), ("text", " ")):
            nothing.append(value).set_content_disposition("form-data", name=name)
        assert (await c.client.post("/console/api/upload", data=nothing, headers=UPLOAD)).status == 400
        await c.adapter.idle()
        assert seen == []


async def test_files_the_bot_hands_over_are_downloads_that_never_render_as_pages(console: Factory) -> None:
    async with console() as c:
        thread = await c.say("log 3.5h on Apollo", user="alex")
        report = Attachment(name="report <x>.html", mime_type="text/html", content=b"<script>alert(1)</script>")
        await c.adapter.send(Address(platform="console", thread=thread, user="alex"),
                             Reply(text="Here is the report.", attachments=(report,), private=True))
        [shown] = (await c.thread(thread, user="alex"))[-1]["files"]
        assert (await c.client.get(f"/console/api/files/{shown['id']}", params={"user": "dana"})).status == 404
        download = await c.client.get(f"/console/api/files/{shown['id']}", params={"user": "alex"})
        assert download.status == 200 and await download.read() == report.content
        assert download.headers["Content-Type"] == "application/octet-stream"
        assert download.headers["Content-Disposition"].startswith("attachment;")
        assert "sandbox" in download.headers["Content-Security-Policy"]
