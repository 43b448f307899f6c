"""A receipt in Teams: an Adaptive Card with Input.Text fields; Action.Execute carries the typed values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from connectors.tables import records
from tests.e2e.teams.conftest import (
    INTRUDER,
    REQUESTER,
    TeamsChannel,
    button,
    card_of,
    serve,
)
from tests.e2e.teams.test_result_files import _trusting, documents, sent_file
from tests.fakes.botframework import FakeBotFramework, SigningKey
from tests.fakes.nlu import ScriptedNLU
from tests.integration.documents.test_receipts import receipt_pdf


def typing(action: dict[str, Any], card: dict[str, Any], **typed: str) -> dict[str, Any]:
    """The action as Teams sends it: the card's input values merged into its data, by input id."""
    values = {item["id"]: typed.get(item["id"].removeprefix("flowdesk.input."), item["value"])
              for item in card["body"] if item["type"] == "Input.Text"}
    return {**action, "data": {**action["data"], **values}}


async def expenses(teams: TeamsChannel) -> list[dict[str, Any]]:
    async with teams.runtime.database.transaction() as session:  # type: ignore[union-attr]
        return [dict(r.data) for r in await session.execute(sa.select(records.c.data))]


async def test_a_receipt_is_corrected_in_its_adaptive_card_and_entered(bf: FakeBotFramework, signing_key: SigningKey,
                                                                        data_dir: Path) -> None:
    async with serve(bf, signing_key, data_dir, ScriptedNLU(), extra=documents()) as teams:
        await _trusting(teams, bf)
        bf.files["receipt.pdf"] = receipt_pdf()
        message = sent_file(teams, "receipt.pdf")
        assert (await teams.post(message))[0] == 201
        calls = await bf.wait_for(lambda c: any(card_of(x.body) for x in c))
        card = next(card_of(c.body) for c in calls if card_of(c.body))
        assert card is not None
        inputs = {i["id"]: i["value"] for i in card["body"] if i["type"] == "Input.Text"}
        assert inputs == {"flowdesk.input.amount": "16.70", "flowdesk.input.currency": "EUR",
                          "flowdesk.input.merchant": "PAPER & CO", "flowdesk.input.date": "2026-11-03"}
        enter = button(card, "Enter")

        def click(sender: dict[str, str], **typed: str) -> dict[str, Any]:
            return teams.execute(typing(enter, card, **typed), sender=sender, card_id="1700000000001",
                                 conversation=message["conversation"])

        status, body = await teams.post(click(REQUESTER, amount="sixteen"))
        assert status == 200 and body["type"] == "application/vnd.microsoft.activity.message"
        assert "The amount 'sixteen' is not a number above zero" in body["value"]
        status, body = await teams.post(click(INTRUDER, amount="1.00"))
        assert "Only the person who shared the file" in body["value"]
        assert await expenses(teams) == []

        status, body = await teams.post(click(REQUESTER, amount="19.90", currency="usd", date="2026-11-05"))
        assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
        assert "Entered 1 expense record from receipt.pdf (EXP-1)." in str(body["value"]["body"])
        assert not [i for i in body["value"]["body"] if i["type"] == "Input.Text"]
        assert await expenses(teams) == [{"amount": 19.9, "currency": "USD", "description": "PAPER & CO, 2026-11-05"}]
