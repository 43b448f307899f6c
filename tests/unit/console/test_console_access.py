"""Who may use the console: open on loopback, off or token-protected elsewhere, never cross-site."""

from __future__ import annotations

import sqlalchemy as sa

from bot.console.tables import console_entries
from tests.unit.console.conftest import Console, Factory

TOKEN = "s3cret-console-token"
MESSAGE = {"user": "alex", "text": "log 3.5h on Apollo"}


async def stored(c: Console) -> int:
    async with c.runtime.database.sessions() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(console_entries)) or 0)


async def test_on_a_public_address_without_a_token_the_console_is_off(console: Factory) -> None:
    async with console(host="0.0.0.0") as c:
        page = await c.client.get("/")
        assert page.status == 403 and "FLOWDESK_CONSOLE_TOKEN" in await page.text()
        assert (await c.client.post("/console/api/messages", json=MESSAGE)).status == 403
        assert (await c.client.get("/console/api/state", params={"user": "alex"})).status == 403
        assert (await c.client.get("/healthz")).status == 200
        assert await stored(c) == 0 and c.nlu.seen == []


async def test_on_a_public_address_an_unauthenticated_request_is_refused(console: Factory) -> None:
    async with console(host="0.0.0.0", token=TOKEN) as c:
        for path in ("/", "/console/api/state?user=alex", "/console/api/panel", "/console/api/events",
                     "/console/static/console.js"):
            assert (await c.client.get(path)).status == 401, path
        assert (await c.client.get("/", params={"token": "wrong"})).status == 401
        assert (await c.client.post("/console/api/messages", json=MESSAGE)).status == 401
        assert (await c.client.post("/console/api/messages", json=MESSAGE,
                                    headers={"Authorization": "Bearer wrong"})).status == 401
        assert (await c.client.post("/console/api/actions", json={"user": "dana", "entry": "1", "button": 0})).status == 401
        assert await stored(c) == 0 and c.nlu.seen == []


async def test_with_the_token_the_console_works_and_the_cookie_keeps_it(console: Factory) -> None:
    async with console(host="0.0.0.0", token=TOKEN) as c:
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert (await c.client.post("/console/api/messages", json=MESSAGE, headers=bearer)).status == 202
        await c.adapter.idle()
        assert await stored(c) == 2
        login = await c.client.get("/", params={"token": TOKEN}, allow_redirects=False)
        assert login.status == 303 and login.headers["Location"] == "/"
        assert "HttpOnly" in login.headers["Set-Cookie"] and "SameSite=Strict" in login.headers["Set-Cookie"]
        assert (await c.client.get("/")).status == 200
        assert (await c.client.get("/console/api/state", params={"user": "alex"})).status == 200


async def test_another_site_cannot_post_through_a_visitors_browser(console: Factory) -> None:
    async with console() as c:
        foreign = await c.client.post("/console/api/messages", json=MESSAGE, headers={"Origin": "https://evil.example"})
        assert foreign.status == 403
        simple = await c.client.post("/console/api/messages", data='{"user":"alex","text":"hi"}',
                                     headers={"Content-Type": "text/plain"})
        assert simple.status == 415
        own = await c.client.post("/console/api/messages", json=MESSAGE,
                                  headers={"Origin": str(c.client.make_url("")).rstrip("/")})
        assert own.status == 202
        await c.adapter.idle()
        assert [m.text for m in c.nlu.seen] == [MESSAGE["text"]]


async def test_on_loopback_a_foreign_host_name_is_refused(console: Factory) -> None:
    async with console() as c:
        assert (await c.client.get("/", headers={"Host": "rebound.evil.example:3978"})).status == 403
        assert (await c.client.get("/", headers={"Host": "localhost:3978"})).status == 200
