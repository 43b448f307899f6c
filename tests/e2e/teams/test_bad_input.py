"""Bad input gets a 4xx or a polite answer, never a 5xx, and changes nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.e2e.teams.conftest import REQUESTER, TeamsChannel, fixture


async def test_malformed_bodies_are_400(teams: TeamsChannel) -> None:
    auth = {"Authorization": f"Bearer {teams.token()}"}
    for body, content_type in [(b"{not json", "application/json"), (b"[1, 2]", "application/json"),
                               (b'"text"', "application/json"), (b"\xff\xfe", "application/json"),
                               (b'{"text": "no type"}', "application/json")]:
        response = await teams.client.post("/api/messages", data=body,
                                           headers={**auth, "Content-Type": content_type})
        assert response.status == 400, body
    response = await teams.client.post("/api/messages", data=b"type=message",
                                       headers={**auth, "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 415
    assert teams.bf.recorded() == []


@pytest.mark.parametrize("change", [
    {"conversation": None}, {"from": None}, {"from": "someone"}, {"conversation": {"name": "no id"}},
    {"serviceUrl": None}, {"text": {"nested": True}}, {"recipient": None},
])
async def test_malformed_activities_are_400(teams: TeamsChannel, nlu: Any, change: dict[str, Any]) -> None:
    status, _ = await teams.post({**teams.personal_message("hello"), **change})
    assert status == 400
    assert nlu.seen == [] and teams.bf.recorded() == []


@pytest.mark.parametrize("entities", [[{"type": "mention"}], [{"type": "mention", "mentioned": "x", "text": 5}],
                                      [{"type": "mention", "mentioned": {"name": "no id"}}]])
async def test_broken_mention_entities_are_ignored(teams: TeamsChannel, nlu: Any, entities: list[Any]) -> None:
    status, _ = await teams.post({**teams.personal_message("hello"), "entities": entities})
    assert status == 201
    await teams.bf.wait_for(lambda c: len(c) == 1)
    assert nlu.seen[0].text == "hello" and nlu.seen[0].mentions == ()


async def test_unknown_activity_type_is_400(teams: TeamsChannel, nlu: Any) -> None:
    status, _ = await teams.post({**teams.personal_message("hello"), "type": "somethingNew"})
    assert status == 400
    assert nlu.seen == [] and teams.bf.recorded() == []


async def test_known_activity_types_without_text_are_accepted(teams: TeamsChannel, nlu: Any) -> None:
    for kind in ("conversationUpdate", "typing", "messageReaction", "installationUpdate", "event"):
        status, _ = await teams.post({**teams.personal_message(""), "type": kind})
        assert status in (200, 201), kind
    assert nlu.seen == []


async def test_foreign_card_invoke_gets_polite_error(teams: TeamsChannel, nlu: Any) -> None:
    """The teams.net capture: an Action.Execute from a card that is not ours."""
    activity = fixture("teams_invoke_adaptive_card_action.json")
    activity.update(serviceUrl=teams.bf.service_url, recipient={"id": "28:bot", "name": "flowdesk"})
    status, body = await teams.post(activity)
    assert status == 200
    assert body["statusCode"] == 400 and body["type"] == "application/vnd.microsoft.error"
    assert "isn't one of flowdesk's" in body["value"]["message"]
    assert teams.bf.recorded() == []


async def test_unknown_action_and_bad_value_are_4xx_answers(teams: TeamsChannel) -> None:
    conversation = teams.personal_message("x")["conversation"]
    for data in ({"flowdesk": {"action_id": "nothing.here", "value": "{}"}},
                 {"flowdesk": {"action_id": "approval.approve", "value": "not json"}}):
        click = teams.execute({"title": "Approve", "data": data}, sender=REQUESTER, card_id="1",
                              conversation=conversation)
        status, body = await teams.post(click)
        assert status == 200 and body["statusCode"] == 400, body


async def test_other_invokes_are_4xx(teams: TeamsChannel) -> None:
    activity = {**fixture("teams_invoke_adaptive_card_action.json"), "name": "composeExtension/query",
                "serviceUrl": teams.bf.service_url}
    status, _ = await teams.post(activity)
    assert 400 <= status < 500


async def test_submit_with_foreign_data_gets_polite_message(teams: TeamsChannel, nlu: Any) -> None:
    activity = {**teams.personal_message(""), "text": None, "value": {"property": "propertyValue"}}
    status, _ = await teams.post(activity)
    assert status == 201
    calls = await teams.bf.wait_for(lambda c: len(c) == 1)
    assert "isn't one of flowdesk's" in calls[0].body["text"]
    await asyncio.sleep(0.1)
    assert nlu.seen == []


async def test_oversized_body_is_413(teams: TeamsChannel, nlu: Any) -> None:
    activity = teams.personal_message("x" * (2 * 1024 * 1024))
    status, _ = await teams.post(activity)
    assert status == 413
    assert nlu.seen == [] and teams.bf.recorded() == []
