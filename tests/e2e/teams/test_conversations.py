"""Conversation behaviour in Teams: personal chats, the Action.Submit fallback, private replies,
proactive notices after a restart, and single-tenant registrations."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.models import Address, Reply
from tests.e2e.teams.conftest import APPROVER, REQUESTER, TeamsChannel, button, card_of, serve
from tests.e2e.teams.test_approvals import ASK, approval_card, request_approval, results, state_of, teach
from tests.fakes.botframework import FakeBotFramework, SigningKey
from tests.fakes.nlu import ScriptedNLU

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


async def test_personal_chat_keeps_the_conversation(teams: TeamsChannel, nlu: Any) -> None:
    nlu.teach("make a note", "note.add")
    first = teams.personal_message("make a note")
    assert (await teams.post(first))[0] == 201
    asked = await teams.bf.wait_for(lambda c: len(c) == 1)
    assert asked[0].body["text"] == "What should the note be called?"
    assert asked[0].activity_id == first["id"]
    assert (await teams.post(teams.personal_message("groceries")))[0] == 201
    calls = await teams.bf.wait_for(lambda c: len(c) == 2)
    assert calls[1].body["text"] == "Noted “groceries”."
    assert calls[1].conversation == first["conversation"]["id"]


async def test_submit_fallback_decides_like_execute(teams: TeamsChannel, nlu: Any) -> None:
    """Clients without Universal Actions send the Action.Submit fallback as a message with a value."""
    asked, card_call, card = await request_approval(teams, nlu)
    fallback = button(card, "Approve")["fallback"]
    click = {**teams.channel_message("", sender=APPROVER), "text": None, "value": fallback["data"],
             "replyToId": "1700000000001", "entities": []}
    status, _ = await teams.post(click)
    assert status == 201
    calls = await teams.bf.wait_for(lambda c: results(c))
    updates = [c for c in calls if c.method == "PUT"]
    assert [u.activity_id for u in updates] == ["1700000000001"]
    assert card_of(updates[0].body)["body"][0]["text"].startswith("Approved")
    assert await state_of(teams) == [("approved", APPROVER["aadObjectId"])]


async def test_private_reply_in_a_channel_goes_to_a_personal_chat(teams: TeamsChannel, nlu: Any) -> None:
    nlu.teach("what did I ask for", "approval.list", scope="requested")
    asked = teams.channel_message("what did I ask for")
    assert (await teams.post(asked))[0] == 201
    calls = await teams.bf.wait_for(lambda c: len(c) == 2)
    created, posted = calls
    assert created.path == "/teams/v3/conversations"
    assert created.body["members"][0]["id"] == REQUESTER["id"] and created.body["isGroup"] is False
    assert posted.conversation == f"a:personal-{REQUESTER['id']}"
    assert card_of(posted.body)["body"][0]["text"] == "Your requests"
    assert not any(c.conversation == asked["conversation"]["id"] for c in calls)


async def test_notices_survive_a_restart(bf: FakeBotFramework, signing_key: SigningKey, data_dir: Path,
                                         nlu: ScriptedNLU) -> None:
    teach(nlu)
    asked_in = None
    async with serve(bf, signing_key, data_dir, nlu, run_worker=False) as first:
        asked_in = first.channel_message(ASK, people=(APPROVER,))
        assert (await first.post(asked_in))[0] == 201
        await bf.wait_for(lambda c: len(c) >= 1)
    assert approval_card(bf.recorded()) is None

    async with serve(bf, signing_key, data_dir, nlu) as second:
        calls = await bf.wait_for(lambda c: approval_card(c) is not None)
        card_call, card = approval_card(calls)  # type: ignore[misc]
        assert card_call.conversation == asked_in["conversation"]["id"]
        second.sent = 10
        click = second.execute(button(card, "Approve"), sender=APPROVER, card_id="1700000000002",
                               conversation=asked_in["conversation"])
        status, body = await second.post(click)
        assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
        told = results(await bf.wait_for(lambda c: results(c)))
        assert told[0].conversation == asked_in["conversation"]["id"]


async def test_single_tenant_registration(bf: FakeBotFramework, signing_key: SigningKey, data_dir: Path,
                                          nlu: ScriptedNLU) -> None:
    nlu.teach("note hello", "note.add", title="hello")
    login = bf.login_url.rsplit("/", 1)[0]
    async with serve(bf, signing_key, data_dir, nlu, FLOWDESK_TEAMS_TENANT_ID=TENANT,
                     FLOWDESK_TEAMS_LOGIN_URL=login) as teams:
        stranger = teams.personal_message("note hello")
        stranger["channelData"] = {"tenant": {"id": "11111111-2222-3333-4444-555555555555"}}
        assert (await teams.post(stranger))[0] == 403
        assert nlu.seen == [] and bf.recorded() == []

        assert (await teams.post(teams.personal_message("note hello")))[0] == 201
        calls = await bf.wait_for(lambda c: len(c) == 1)
        assert calls[0].authorized
        assert bf.token_requests == [TENANT]


async def test_send_reaches_a_person_by_aad_object_id(teams: TeamsChannel, nlu: Any) -> None:
    adapter = teams.runtime.adapters["teams"]
    personal = teams.personal_message("hi")
    assert (await teams.post(personal))[0] == 201
    await teams.bf.wait_for(lambda c: len(c) == 1)
    ref = await adapter.send(Address(platform="teams", user=REQUESTER["aadObjectId"]), Reply(text="ping"))
    calls = await teams.bf.wait_for(lambda c: len(c) == 2)
    assert calls[1].conversation == personal["conversation"]["id"] and calls[1].body["text"] == "ping"

    assert (await teams.post(teams.channel_message("hello", sender=APPROVER)))[0] == 201
    await teams.bf.wait_for(lambda c: len(c) == 3)
    await adapter.send(Address(platform="teams", user=APPROVER["aadObjectId"]), Reply(text="for Dana"))
    calls = await teams.bf.wait_for(lambda c: len(c) == 5)
    assert calls[3].path == "/teams/v3/conversations"
    assert calls[4].conversation == f"a:personal-{APPROVER['id']}" and calls[4].body["text"] == "for Dana"

    await adapter.update(ref, Reply(text="ping (edited)"))
    calls = await teams.bf.wait_for(lambda c: len(c) == 6)
    assert calls[5].method == "PUT" and calls[5].activity_id == ref["activity_id"]
    assert calls[5].body["text"] == "ping (edited)"


class GatedNLU(ScriptedNLU):
    """Reads nothing until the test opens the gate: shows what happens before the NLU finishes."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()

    async def parse(self, message: Any) -> Any:
        await self.gate.wait()
        return await super().parse(message)


async def test_message_is_acknowledged_before_the_work(bf: FakeBotFramework, signing_key: SigningKey,
                                                       data_dir: Path) -> None:
    nlu = GatedNLU()
    nlu.teach("note hello", "note.add", title="hello")
    async with serve(bf, signing_key, data_dir, nlu) as teams:
        status, _ = await teams.post(teams.personal_message("note hello"))
        assert status == 201 and bf.recorded() == []
        nlu.gate.set()
        calls = await bf.wait_for(lambda c: len(c) == 1)
        assert calls[0].body["text"] == "Noted “hello”."


async def test_a_full_backlog_says_busy(bf: FakeBotFramework, signing_key: SigningKey, data_dir: Path) -> None:
    nlu = GatedNLU()
    async with serve(bf, signing_key, data_dir, nlu) as teams:
        teams.runtime.adapters["teams"].jobs.limit = 1
        assert (await teams.post(teams.personal_message("first")))[0] == 201
        assert (await teams.post(teams.personal_message("second")))[0] == 201
        calls = await bf.wait_for(lambda c: len(c) == 1)
        assert "busy" in calls[0].body["text"]
        nlu.gate.set()
        await bf.wait_for(lambda c: len(c) == 2)


async def test_preview_send_and_cancel(teams: TeamsChannel, nlu: Any) -> None:
    """Actions that leave the chat are previewed with Send and Cancel; only the asker decides."""
    nlu.teach("shout hi at <at>Dana Kim</at>", "note.shout", to=["Dana Kim"], words="hi")
    asked = teams.channel_message("shout hi at <at>Dana Kim</at>", people=(APPROVER,))
    assert (await teams.post(asked))[0] == 201
    calls = await teams.bf.wait_for(lambda c: any(card_of(x.body) for x in c if x.method == "POST"))
    card = next(card_of(x.body) for x in calls if x.method == "POST" and card_of(x.body))
    assert [a["title"] for a in card["actions"]] == ["Send", "Cancel", "👍", "👎"]  # then the reading's rating
    assert all(a["type"] == "Action.Execute" for a in card["actions"])

    status, body = await teams.post(teams.execute(button(card, "Send"), sender=APPROVER, card_id="1700000000001",
                                                  conversation=asked["conversation"]))
    assert status == 200 and "Only the person who asked" in body["value"]
    assert teams.bf.recorded("PUT") == []

    status, body = await teams.post(teams.execute(button(card, "Send"), sender=REQUESTER,
                                                  card_id="1700000000001", conversation=asked["conversation"]))
    assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Sent by Rido Lee" in body["value"]["body"][-1]["text"] and "actions" not in body["value"]
    updates = await teams.bf.wait_for(lambda c: any(x.method == "PUT" for x in c))
    assert [u.activity_id for u in updates if u.method == "PUT"] == ["1700000000001"]

    status, body = await teams.post(teams.execute(button(card, "Cancel"), sender=REQUESTER,
                                                  card_id="1700000000001", conversation=asked["conversation"]))
    assert status == 200 and body["type"] == "application/vnd.microsoft.activity.message"
    assert "already" in body["value"]


async def test_welcome_when_the_bot_is_added(teams: TeamsChannel) -> None:
    joined = {**teams.personal_message(""), "type": "conversationUpdate", "text": None,
              "membersAdded": [{"id": REQUESTER["id"]}]}
    assert (await teams.post(joined))[0] in (200, 201)
    bot_joined = {**joined, "id": "welcome-2", "membersAdded": [{"id": joined["recipient"]["id"]}]}
    assert (await teams.post(bot_joined))[0] in (200, 201)
    calls = await teams.bf.wait_for(lambda c: len(c) == 1)
    assert calls[0].body["text"].startswith("Hi, I'm flowdesk")


class FlakyNLU(ScriptedNLU):
    """Fails on the first message it reads, as a crashed model server would."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    async def parse(self, message: Any) -> Any:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("model server went away")
        return await super().parse(message)


async def test_redelivered_message_is_answered_once(teams: TeamsChannel, nlu: Any) -> None:
    hello = teams.personal_message("what's the weather in Oslo")
    assert (await teams.post(hello))[0] == 201
    await teams.bf.wait_for(lambda c: len(c) == 1)
    assert (await teams.post(hello))[0] == 201
    await asyncio.sleep(0.5)
    assert len(teams.bf.recorded()) == 1 and len(nlu.seen) == 1


async def test_failed_message_is_apologised_for_and_a_redelivery_answered(
        bf: FakeBotFramework, signing_key: SigningKey, data_dir: Path) -> None:
    nlu = FlakyNLU()
    nlu.teach("note hello", "note.add", title="hello")
    async with serve(bf, signing_key, data_dir, nlu) as teams:
        hello = teams.personal_message("note hello")
        assert (await teams.post(hello))[0] == 201
        calls = await bf.wait_for(lambda c: len(c) == 1)
        assert calls[0].body["text"].startswith("Sorry, something went wrong")
        assert (await teams.post(hello))[0] == 201
        calls = await bf.wait_for(lambda c: len(c) == 2)
        assert calls[1].body["text"] == "Noted “hello”."


async def test_refused_reply_is_retried_through_the_outbox(teams: TeamsChannel, nlu: Any) -> None:
    nlu.teach("note hello", "note.add", title="hello")
    teams.bf.refuse_posts = 1
    assert (await teams.post(teams.personal_message("note hello")))[0] == 201
    calls = await teams.bf.wait_for(lambda c: len(c) >= 2)
    assert [c.body["text"] for c in calls] == ["Noted “hello”."] * len(calls)
    await asyncio.sleep(0.5)
    assert len(teams.bf.recorded()) == 2


async def test_group_chat_mention_is_answered_in_the_chat(teams: TeamsChannel, nlu: Any) -> None:
    nlu.teach("note standup moved", "note.add", title="standup moved")
    chat = {"id": "19:meeting_group-chat-1@thread.v2", "isGroup": True, "conversationType": "groupChat",
            "tenantId": "50612dbb-0237-4969-b378-8d42590f9c00"}
    said = {**teams.channel_message("note standup moved"), "conversation": chat, "channelData": {
        "tenant": {"id": chat["tenantId"]}}}
    assert (await teams.post(said))[0] == 201
    calls = await teams.bf.wait_for(lambda c: len(c) == 1)
    assert calls[0].conversation == chat["id"] and calls[0].activity_id == said["id"]
    assert calls[0].body["text"] == "Noted “standup moved”."
    assert nlu.seen[0].thread == chat["id"] and nlu.seen[0].channel == chat["id"]
