"""Approvals in Teams, end to end: mention -> card to the approver -> Action.Execute -> requester told."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.e2e.teams.conftest import APPROVER, INTRUDER, REQUESTER, TeamsChannel, button, card_of, serve
from tests.fakes.botframework import Call, FakeBotFramework, SigningKey
from tests.fakes.nlu import ScriptedNLU

ASK = "can <at>Dana Kim</at> approve the new laptop"


def teach(nlu: Any) -> None:
    nlu.teach(ASK, "approval.request", approver="Dana Kim", subject="the new laptop", amount=1200, currency="USD")


def approval_card(calls: list[Call]) -> tuple[Call, dict[str, Any]] | None:
    for call in calls:
        card = card_of(call.body)
        if call.method == "POST" and card and any(a["title"] == "Approve" for a in card.get("actions", [])):
            return call, card
    return None


def results(calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.method == "POST" and "your request" in (c.body.get("text") or "")]


async def request_approval(teams: TeamsChannel, nlu: Any) -> tuple[dict[str, Any], Call, dict[str, Any]]:
    teach(nlu)
    asked = teams.channel_message(ASK, people=(APPROVER,))
    status, _ = await teams.post(asked)
    assert status == 201
    calls = await teams.bf.wait_for(lambda c: approval_card(c) is not None)
    call, card = approval_card(calls)  # type: ignore[misc]
    return asked, call, card


async def state_of(teams: TeamsChannel) -> list[tuple[str, str | None]]:
    database = teams.runtime.database  # type: ignore[attr-defined]
    async with database.sessions() as session:
        rows = await session.execute(sa.text("SELECT state, decided_by FROM approvals"))
        return [tuple(r) for r in rows]


async def test_mention_card_approve_requester_told(teams: TeamsChannel, nlu: Any) -> None:
    asked, card_call, card = await request_approval(teams, nlu)
    message = nlu.seen[0]
    assert message.text == ASK
    assert message.user == REQUESTER["aadObjectId"]
    assert [(m.id, m.name) for m in message.mentions] == [(APPROVER["aadObjectId"], "Dana Kim")]
    assert card_call.authorized and card_call.conversation == asked["conversation"]["id"]
    assert card_call.activity_id == asked["id"]
    approve = button(card, "Approve")
    assert approve["type"] == "Action.Execute" and approve["fallback"]["type"] == "Action.Submit"
    assert {a["title"] for a in card["actions"]} == {"Approve", "Reject"}

    click = teams.execute(approve, sender=APPROVER, card_id="1700000000001", conversation=asked["conversation"])
    status, body = await teams.post(click)

    assert status == 200
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    assert body["value"]["body"][0]["text"].startswith("Approved")
    assert "actions" not in body["value"]
    calls = await teams.bf.wait_for(lambda c: results(c))
    updates = [c for c in calls if c.method == "PUT"]
    assert [u.activity_id for u in updates] == ["1700000000001"]
    assert card_of(updates[0].body)["body"][0]["text"].startswith("Approved")
    told = results(calls)
    assert len(told) == 1 and "approved by Dana Kim" in told[0].body["text"]
    assert told[0].conversation == asked["conversation"]["id"]
    assert await state_of(teams) == [("approved", APPROVER["aadObjectId"])]
    assert all(c.authorized for c in calls)
    assert len(teams.bf.token_requests) == 1, "the bot's token is reused, not asked for on every call"


async def test_intruder_click_changes_nothing(teams: TeamsChannel, nlu: Any) -> None:
    asked, _, card = await request_approval(teams, nlu)
    before = len(teams.bf.recorded())

    click = teams.execute(button(card, "Approve"), sender=INTRUDER, card_id="1700000000001",
                          conversation=asked["conversation"])
    status, body = await teams.post(click)

    assert status == 200
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert "Only the named approver" in body["value"]
    await asyncio.sleep(0.5)
    assert len(teams.bf.recorded()) == before
    assert await state_of(teams) == [("pending", None)]


async def test_concurrent_clicks_give_one_decision(teams: TeamsChannel, nlu: Any) -> None:
    asked, _, card = await request_approval(teams, nlu)
    clicks = [teams.execute(button(card, title), sender=APPROVER, card_id="1700000000001",
                            conversation=asked["conversation"]) for title in ("Approve", "Reject", "Approve")]

    answers = await asyncio.gather(*(teams.post(c) for c in clicks))

    assert [status for status, _ in answers] == [200, 200, 200]
    kinds = sorted(body["type"] for _, body in answers)
    assert kinds.count("application/vnd.microsoft.card.adaptive") == 1
    await teams.bf.wait_for(lambda c: results(c))
    await asyncio.sleep(0.5)
    assert len(results(teams.bf.recorded())) == 1
    assert len(teams.bf.recorded("PUT")) == 1
    (state, by), = await state_of(teams)
    assert state in ("approved", "rejected") and by == APPROVER["aadObjectId"]


async def test_retried_click_is_processed_once(teams: TeamsChannel, nlu: Any) -> None:
    asked, _, card = await request_approval(teams, nlu)
    click = teams.execute(button(card, "Reject"), sender=APPROVER, card_id="1700000000001",
                          conversation=asked["conversation"], activity_id="f:retried-click")

    first = await teams.post(click)
    second = await teams.post(click)

    assert first[1]["type"] == "application/vnd.microsoft.card.adaptive"
    assert second[0] == 200 and second[1]["type"] == "application/vnd.microsoft.activity.message"
    await teams.bf.wait_for(lambda c: results(c))
    await asyncio.sleep(0.5)
    assert len(results(teams.bf.recorded())) == 1
    assert await state_of(teams) == [("rejected", APPROVER["aadObjectId"])]


async def test_retried_message_asks_once(teams: TeamsChannel, nlu: Any) -> None:
    teach(nlu)
    asked = teams.channel_message(ASK, people=(APPROVER,))
    assert (await teams.post(asked))[0] == 201
    await teams.bf.wait_for(lambda c: approval_card(c) is not None)
    assert (await teams.post(asked))[0] == 201
    await asyncio.sleep(0.5)
    cards = [c for c in teams.bf.recorded("POST") if approval_card([c])]
    assert len(cards) == 1
    assert len(await state_of(teams)) == 1


@pytest.mark.postgres
async def test_concurrent_clicks_on_postgresql(bf: FakeBotFramework, signing_key: SigningKey, data_dir: Path,
                                               nlu: ScriptedNLU, postgres_url: str) -> None:
    async with serve(bf, signing_key, data_dir, nlu, FLOWDESK_DATABASE_URL=postgres_url) as teams:
        await test_concurrent_clicks_give_one_decision(teams, nlu)
