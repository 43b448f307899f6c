"""Thumbs in Teams: Action.Execute buttons on the reply to a reading; a click records the rating."""

from __future__ import annotations

from typing import Any

from bot.lifecycle.feedback import ASK, RATE_UP, examples
from tests.e2e.teams.conftest import REQUESTER, TeamsChannel, button, card_of


async def test_a_thumbs_up_in_teams_is_recorded_and_exported(teams: TeamsChannel, nlu: Any) -> None:
    nlu.teach("note: milk", "note.add", title="milk")
    asked = teams.personal_message("note: milk")
    assert (await teams.post(asked))[0] == 201
    calls = await teams.bf.wait_for(lambda c: len(c) == 1)
    assert calls[0].body["text"] == "Noted “milk”."
    card = card_of(calls[0].body)
    assert card is not None and card["body"][0]["text"] == ASK
    assert [(a["title"], a["type"], a["verb"]) for a in card["actions"]] == [
        ("👍", "Action.Execute", RATE_UP), ("👎", "Action.Execute", "flowdesk.nlu.down")]

    status, body = await teams.post(teams.execute(button(card, "👍"), sender=REQUESTER, card_id="1700000000001",
                                                  conversation=asked["conversation"]))
    assert status == 200 and "Thanks" in body["value"]
    assert teams.runtime is not None
    assert await examples(teams.runtime.database) == [{"text": "note: milk", "intent": "note.add",
                                                        "args": {"title": "milk"}}]
