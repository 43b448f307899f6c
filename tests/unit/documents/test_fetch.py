from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.models import Attachment
from connectors.documents.errors import DocumentRefused
from connectors.documents.fetch import download
from connectors.documents.sniff import Limits

LIMITS = Limits(max_bytes=1000)


@pytest.fixture
async def files() -> AsyncIterator[tuple[TestServer, list[str]]]:
    seen: list[str] = []

    async def serve(request: web.Request) -> web.StreamResponse:
        seen.append(request.headers.get("Authorization", ""))
        if request.headers.get("Authorization") != "Bearer xoxb-test":
            return web.Response(status=403)
        size = int(request.match_info["size"])
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(size // 100):
            await response.write(b"x" * 100)
        return response

    app = web.Application()
    app.router.add_get("/files/{size}", serve)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server, seen
    await server.close()


async def test_a_file_is_fetched_with_the_platform_token(files: tuple[TestServer, list[str]]) -> None:
    server, seen = files
    async with aiohttp.ClientSession() as session:
        got = await download(session, Attachment(name="a.csv", url=str(server.make_url("/files/500"))),
                             headers={"Authorization": "Bearer xoxb-test"}, limits=LIMITS)
    assert got.content == b"x" * 500 and got.size == 500
    assert seen == ["Bearer xoxb-test"]


async def test_too_big_files_are_refused_by_declared_size_or_while_streaming(files: tuple[TestServer, list[str]]) -> None:
    server, seen = files
    async with aiohttp.ClientSession() as session:
        with pytest.raises(DocumentRefused, match="limit"):
            await download(session, Attachment(name="a.csv", size=50_000_000, url=str(server.make_url("/files/1"))),
                           headers={}, limits=LIMITS)
        assert seen == []
        with pytest.raises(DocumentRefused, match="over the limit"):
            await download(session, Attachment(name="a.csv", url=str(server.make_url("/files/5000"))),
                           headers={"Authorization": "Bearer xoxb-test"}, limits=LIMITS)
        with pytest.raises(DocumentRefused, match="HTTP 403"):
            await download(session, Attachment(name="a.csv", url=str(server.make_url("/files/100"))),
                           headers={}, limits=LIMITS)
