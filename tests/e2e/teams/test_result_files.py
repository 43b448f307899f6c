"""The rejected-rows report reaches a Teams user through a file consent card and their OneDrive."""

from __future__ import annotations

import asyncio
import copy
import ssl
from pathlib import Path
from typing import Any

import aiohttp
import sqlalchemy as sa

from bot.adapters.teams.store import offered_files
from connectors.data_entry import DataEntryConfig, DataEntryConnector
from connectors.documents import DocumentsConfig, DocumentsConnector
from tests.e2e.teams.conftest import (
    INTRUDER,
    REQUESTER,
    TeamsChannel,
    button,
    card_of,
    serve,
)
from tests.fakes.botframework import Call, FakeBotFramework, SigningKey
from tests.fakes.nlu import ScriptedNLU

CSV = b"Name,Email\nAda Lovelace,ada@example.com\nBob,bob@\nGrace Hopper,not an email\n"
CONSENT = "application/vnd.microsoft.teams.card.file.consent"
INFO = "application/vnd.microsoft.teams.card.file.info"


def documents() -> tuple[Any, ...]:
    return (DataEntryConnector(config=DataEntryConfig()), DocumentsConnector(config=DocumentsConfig()))


def sent_file(teams: TeamsChannel, name: str) -> dict[str, Any]:
    """A personal-chat message carrying a file, as Teams hands it to a bot (download info)."""
    activity = teams.personal_message("new customers")
    activity["from"] = REQUESTER
    activity["attachments"] = [{
        "contentType": "application/vnd.microsoft.teams.file.download.info", "name": name,
        "contentUrl": f"https://contoso.sharepoint.com/personal/rido/{name}",
        "content": {"downloadUrl": teams.bf.file_url(name), "uniqueId": "0A7B3C2D-1111-4F6A-9C1E-5BBDEBA70C8C",
                    "fileType": name.rsplit(".", 1)[-1]},
    }]
    return activity


def consent_answer(teams: TeamsChannel, card: dict[str, Any], conversation: dict[str, Any], *,
                   sender: dict[str, str] = REQUESTER, action: str = "accept") -> dict[str, Any]:
    """The ``fileConsent/invoke`` Teams sends when the person clicks Allow (or Decline) on the card."""
    activity = teams.personal_message("")
    activity.update(type="invoke", name="fileConsent/invoke", conversation=conversation, text=None)
    activity["from"] = sender
    name = card["name"]
    context = card["content"]["acceptContext" if action == "accept" else "declineContext"]
    activity["value"] = {"type": "fileUpload", "action": action, "context": context, "uploadInfo": {
        "contentUrl": f"https://contoso-my.sharepoint.com/personal/rido/Documents/Applications/flowdesk/{name}",
        "name": name, "uploadUrl": teams.bf.upload_url(name), "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C8D",
        "fileType": "csv"}}
    return activity


def consent_cards(calls: list[Call]) -> list[dict[str, Any]]:
    return [a for c in calls if c.method == "POST" for a in c.body.get("attachments") or []
            if a.get("contentType") == CONSENT]


async def _trusting(teams: TeamsChannel, bf: FakeBotFramework) -> None:
    """The adapter's download and upload sessions trust the fake's throw-away certificate."""
    context = ssl.create_default_context(cafile=str(bf.ca_file))
    adapter = teams.runtime.adapters["teams"]  # type: ignore[union-attr]
    adapter.files._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context))
    adapter.consent._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context))


async def report_offered(teams: TeamsChannel) -> tuple[dict[str, Any], dict[str, Any]]:
    """Share the CSV, click "Download rejected rows"; returns the consent card and its conversation."""
    teams.bf.files["people.csv"] = CSV
    message = sent_file(teams, "people.csv")
    assert (await teams.post(message))[0] == 201
    calls = await teams.bf.wait_for(lambda c: any(card_of(x.body) for x in c))
    preview = next(card_of(c.body) for c in calls if card_of(c.body))
    assert preview is not None and "1 row ready, 2 with problems" in preview["body"][0]["text"]
    click = teams.execute(button(preview, "Download rejected rows"), sender=REQUESTER, card_id="1700000000001",
                          conversation=message["conversation"])
    status, body = await teams.post(click)
    assert status == 200 and "2 rejected row(s) of people.csv" in body["value"]
    calls = await teams.bf.wait_for(lambda c: consent_cards(c))
    (card,) = consent_cards(calls)
    offered_in = next(c for c in calls if card in (c.body.get("attachments") or []))
    assert offered_in.conversation == message["conversation"]["id"] and offered_in.authorized
    return card, message["conversation"]


async def test_the_report_is_offered_then_saved_to_onedrive_on_allow(bf: FakeBotFramework, signing_key: SigningKey,
                                                                     data_dir: Path) -> None:
    async with serve(bf, signing_key, data_dir, ScriptedNLU(), extra=documents()) as teams:
        await _trusting(teams, bf)
        card, conversation = await report_offered(teams)
        assert card["name"] == "people-rejected-rows.csv" and card["content"]["sizeInBytes"] > 0

        status, _ = await teams.post(consent_answer(teams, card, conversation))
        assert status == 200
        calls = await bf.wait_for(lambda c: any(a.get("contentType") == INFO for x in c
                                                for a in x.body.get("attachments") or []))
    report = bf.uploaded["people-rejected-rows.csv"].decode("utf-8")
    assert report.splitlines()[0] == "row,problems,Name,Email" and "bob@" in report and "not an email" in report
    info = next(a for c in calls for a in c.body.get("attachments") or [] if a.get("contentType") == INFO)
    assert info["name"] == "people-rejected-rows.csv" and info["content"]["fileType"] == "csv"
    assert info["contentUrl"].endswith("/people-rejected-rows.csv")


async def test_another_person_cannot_take_the_file_and_decline_drops_it(bf: FakeBotFramework,
                                                                        signing_key: SigningKey,
                                                                        data_dir: Path) -> None:
    async with serve(bf, signing_key, data_dir, ScriptedNLU(), extra=documents()) as teams:
        await _trusting(teams, bf)
        card, conversation = await report_offered(teams)
        before = len(bf.recorded())
        assert (await teams.post(consent_answer(teams, card, conversation, sender=INTRUDER)))[0] == 200
        calls = await bf.wait_for(lambda c: len(c) > before)
        assert "made for someone else" in calls[-1].body["text"]

        assert (await teams.post(consent_answer(teams, card, conversation, action="decline")))[0] == 200
        calls = await bf.wait_for(lambda c: any("won't save" in (x.body.get("text") or "") for x in c))
        forged = copy.deepcopy(card)
        forged["content"]["acceptContext"] = {"file": "../../etc/passwd"}
        assert (await teams.post(consent_answer(teams, card, conversation)))[0] == 200
        assert (await teams.post(consent_answer(teams, forged, conversation)))[0] == 200
        calls = await bf.wait_for(lambda c: any("no longer available" in (x.body.get("text") or "") for x in c)
                                  and any("isn't one of flowdesk's" in (x.body.get("text") or "") for x in c))
        await asyncio.sleep(0.3)
        assert await waiting_files(teams) == 0
    assert bf.uploaded == {}


async def test_the_allow_may_reach_another_replica(bf: FakeBotFramework, signing_key: SigningKey,
                                                   tmp_path: Path) -> None:
    """The offered file waits in the shared database, not on the disk of the replica that offered it."""
    shared = {"FLOWDESK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"}
    async with serve(bf, signing_key, tmp_path / "one", ScriptedNLU(), extra=documents(), **shared) as one:
        await _trusting(one, bf)
        card, conversation = await report_offered(one)
        async with serve(bf, signing_key, tmp_path / "two", ScriptedNLU(), extra=documents(), **shared) as two:
            await _trusting(two, bf)
            assert (await two.post(consent_answer(two, card, conversation)))[0] == 200
            await bf.wait_for(lambda c: any(a.get("contentType") == INFO for x in c
                                            for a in x.body.get("attachments") or []))
            assert await waiting_files(two) == 0
    assert bf.uploaded["people-rejected-rows.csv"].startswith(b"row,problems,Name,Email")


async def waiting_files(teams: TeamsChannel) -> int:
    """How many offered files still wait for an answer."""
    assert teams.runtime is not None
    async with teams.runtime.database.sessions() as session:
        return int((await session.execute(sa.select(sa.func.count()).select_from(offered_files))).scalar_one())
