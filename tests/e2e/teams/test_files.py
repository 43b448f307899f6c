"""Files sent to the bot in a personal chat reach the pipeline with their bytes, within the size limit."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import aiohttp

from pydantic import BaseModel

from bot.models import ActionResult, Attachment
from connectors.base import ActionContext, Connector, ConnectorConfig, action
from tests.e2e.teams.conftest import serve
from tests.fakes.botframework import FakeBotFramework, SigningKey
from tests.fakes.nlu import ScriptedNLU

CSV = b"name,email\nAda,ada@example.com\n"


class _Limits:
    max_bytes = 1024


class _Files(BaseModel):
    attachments: list[Attachment]
    text: str = ""


class FileReader(Connector):
    """Stands for the documents connector: declares the size limit and receives a message's files."""

    name = "file_reader"
    limits = _Limits()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.received: list[_Files] = []

    @action("document.receive", args=_Files, internal=True)
    async def receive(self, ctx: ActionContext, args: _Files) -> ActionResult:
        self.received.append(args)
        return ActionResult(action="document.receive", summary=f"Got {len(args.attachments)} file(s).")


def sent_file(teams: Any, bf: FakeBotFramework, name: str) -> dict[str, Any]:
    activity = teams.personal_message("import these customers")
    activity["attachments"] = [{
        "contentType": "application/vnd.microsoft.teams.file.download.info", "name": name,
        "contentUrl": f"https://contoso.sharepoint.com/personal/{name}",
        "content": {"downloadUrl": bf.file_url(name), "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C8C",
                    "fileType": name.rsplit(".", 1)[-1]},
    }]
    return activity


async def _trusting(teams: Any, bf: FakeBotFramework) -> None:
    """The fake's throw-away certificate is trusted by the adapter's download session."""
    context = ssl.create_default_context(cafile=str(bf.ca_file))
    teams.runtime.adapters["teams"].files._session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=context))


async def test_file_bytes_reach_the_pipeline(bf: FakeBotFramework, signing_key: SigningKey, data_dir: Path) -> None:
    nlu = ScriptedNLU()
    bf.files["customers.csv"] = CSV
    reader = FileReader(config=ConnectorConfig())
    async with serve(bf, signing_key, data_dir, nlu, extra=(reader,)) as teams:
        await _trusting(teams, bf)
        assert (await teams.post(sent_file(teams, bf, "customers.csv")))[0] == 201
        calls = await bf.wait_for(lambda c: len(c) == 1)
    assert "Got 1 file(s)." in calls[0].body["text"]
    (received,) = reader.received
    assert received.text == "import these customers"
    (file,) = received.attachments
    assert (file.name, file.mime_type, file.content, file.size) == ("customers.csv", "text/csv", CSV, len(CSV))


async def test_file_over_the_limit_is_refused_politely(bf: FakeBotFramework, signing_key: SigningKey,
                                                       data_dir: Path) -> None:
    nlu = ScriptedNLU()
    bf.files["big.csv"] = CSV * 100
    async with serve(bf, signing_key, data_dir, nlu, extra=(FileReader(config=ConnectorConfig()),)) as teams:
        await _trusting(teams, bf)
        assert (await teams.post(sent_file(teams, bf, "big.csv")))[0] == 201
        calls = await bf.wait_for(lambda c: len(c) == 1)
    assert "big.csv" in calls[0].body["text"] and nlu.seen == []


async def test_files_are_ignored_without_a_reader(teams: Any, nlu: ScriptedNLU) -> None:
    teams.bf.files["customers.csv"] = CSV
    assert (await teams.post(sent_file(teams, teams.bf, "customers.csv")))[0] == 201
    await teams.bf.wait_for(lambda c: len(c) == 1)
    assert nlu.seen[0].attachments == ()
