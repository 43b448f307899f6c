"""A receipt uploaded in the console: its card's inputs are corrected, checked, then entered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer

from bot.config import load_settings
from bot.runtime import Runtime
from bot.server import build_app
from connectors.data_entry import DataEntryConfig, DataEntryConnector
from connectors.documents import DocumentsConfig, DocumentsConnector
from connectors.registry import ConnectorRegistry
from tests.fakes.nlu import ScriptedNLU
from tests.integration.documents.chat import stored
from tests.integration.documents.test_receipts import receipt_pdf

UPLOAD = {"X-Flowdesk-Console": "1"}


@pytest.fixture
async def console(data_dir: Path) -> AsyncIterator[tuple[TestClient, Runtime]]:
    settings = load_settings({"FLOWDESK_DATA_DIR": str(data_dir)})
    registry = ConnectorRegistry([DataEntryConnector(config=DataEntryConfig()),
                                  DocumentsConnector(config=DocumentsConfig())])
    runtime = Runtime(settings=settings, nlu=ScriptedNLU(), registry=registry)
    async with TestClient(TestServer(build_app(runtime, run_worker=False), host="127.0.0.1")) as client:
        yield client, runtime


async def entries(client: TestClient, thread: str) -> list[dict[str, Any]]:
    state = await (await client.get("/console/api/state", params={"user": "alex"})).json()
    return next(t["entries"] for t in state["threads"] if t["id"] == thread)


async def enter(client: TestClient, card: dict[str, Any], fields: Any, click: str) -> tuple[int, str]:
    button = [b["label"] for b in card["card"]["buttons"]].index("Enter")
    response = await client.post("/console/api/actions", json={
        "user": "alex", "entry": card["id"], "button": button, "fields": fields, "click": click})
    return response.status, (await response.json())["text"] if response.status == 200 else await response.text()


async def test_a_receipt_card_is_corrected_in_the_console_then_entered(console: tuple[TestClient, Runtime]) -> None:
    client, runtime = console
    form = FormData()
    form.add_field("user", "alex")
    form.add_field("text", "")
    form.add_field("file", receipt_pdf(), filename="receipt.pdf", content_type="application/pdf")
    response = await client.post("/console/api/upload", data=form, headers=UPLOAD)
    assert response.status == 202
    thread = (await response.json())["thread"]
    await runtime.adapters["console"].idle()  # type: ignore[attr-defined]
    card = (await entries(client, thread))[-1]
    assert [(i["name"], i["value"]) for i in card["card"]["inputs"]] == [
        ("amount", "16.70"), ("currency", "EUR"), ("merchant", "PAPER & CO"), ("date", "2026-11-03")]

    assert (await enter(client, card, {"amount": "16.70", "tip": "2"}, "c1"))[0] == 400
    assert (await enter(client, card, ["16.70"], "c2"))[0] == 400
    status, text = await enter(client, card, {"amount": "16.70", "date": "3 Nov"}, "c3")
    assert status == 200 and "The date '3 Nov' is not a date written as YYYY-MM-DD" in text
    assert await stored(runtime, "expense") == []

    status, text = await enter(client, card, {"amount": "17.10", "currency": "chf", "merchant": "Paper & Co",
                                              "date": "2026-11-03"}, "c4")
    assert status == 200 and text == "Entered 1 expense record from receipt.pdf (EXP-1)."
    assert await stored(runtime, "expense") == [
        {"amount": 17.1, "currency": "CHF", "description": "Paper & Co, 2026-11-03"}]
    replaced = next(e for e in await entries(client, thread) if e["id"] == card["id"])
    assert replaced["card"]["inputs"] == [] and replaced["card"]["buttons"] == []
