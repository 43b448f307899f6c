"""Teams with the NLU that ships with the package: an @mention becomes an approval, end to end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.teams.conftest import APPROVER, INTRUDER, TeamsChannel, button, serve
from tests.e2e.teams.test_approvals import approval_card, results, state_of
from tests.fakes.botframework import FakeBotFramework, SigningKey

ASK = "please ask <at>Dana Kim</at> to approve $1,200 for the new laptop"


@pytest.fixture(scope="module")
def shipped_nlu() -> Any:
    from intents.pipeline import NLU

    return NLU.load(None)


@pytest.fixture
async def teams_real(bf: FakeBotFramework, signing_key: SigningKey, data_dir: Path,
                     shipped_nlu: Any) -> AsyncIterator[TeamsChannel]:
    async with serve(bf, signing_key, data_dir, shipped_nlu) as channel:
        yield channel


async def test_a_mention_becomes_an_approval_only_the_approver_decides(teams_real: TeamsChannel) -> None:
    asked = teams_real.channel_message(ASK, people=(APPROVER,))
    status, _ = await teams_real.post(asked)
    assert status == 201
    calls = await teams_real.bf.wait_for(lambda c: approval_card(c) is not None, timeout=60)
    _, card = approval_card(calls)  # type: ignore[misc]
    assert "the new laptop" in str(card) and "1,200" in str(card)

    intruder = teams_real.execute(button(card, "Approve"), sender=INTRUDER, card_id="1700000000001",
                                  conversation=asked["conversation"])
    status, body = await teams_real.post(intruder)
    assert status == 200 and "Only the named approver" in body["value"]

    click = teams_real.execute(button(card, "Approve"), sender=APPROVER, card_id="1700000000001",
                               conversation=asked["conversation"])
    status, body = await teams_real.post(click)
    assert status == 200 and body["value"]["body"][0]["text"].startswith("Approved")
    calls = await teams_real.bf.wait_for(lambda c: results(c), timeout=60)
    told = results(calls)
    assert len(told) == 1 and "approved by Dana Kim" in told[0].body["text"]
    assert await state_of(teams_real) == [("approved", APPROVER["aadObjectId"])]
