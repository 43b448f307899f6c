"""Every activity must carry a valid Bot Framework token: anything else is 401 and causes nothing."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import pytest

from tests.e2e.teams.conftest import APP_ID, TeamsChannel
from tests.fakes.botframework import SigningKey

TEXT = "note remember the milk"


def _unsigned(channel: TeamsChannel) -> str:
    """An ``alg: none`` token with otherwise perfect claims."""
    real = channel.token()
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=").decode()
    return f"{header}.{real.split('.')[1]}."


TOKENS: dict[str, Any] = {
    "forged (signed by an unknown key with the real key id)": lambda ch: SigningKey(kid=ch.key.kid).token(
        audience=APP_ID, service_url=ch.bf.service_url),
    "another audience": lambda ch: ch.token(audience="00000000-1111-2222-3333-444444444444"),
    "expired": lambda ch: ch.token(issued_ago=7200, lifetime=600),
    "another issuer": lambda ch: ch.token(issuer="https://sts.windows.net/evil/"),
    "another serviceUrl": lambda ch: ch.token(service_url="https://smba.example.net/evil/"),
    "unknown key id": lambda ch: SigningKey().token(audience=APP_ID, service_url=ch.bf.service_url),
    "alg none": _unsigned,
    "garbage": lambda ch: "not-a-jwt",
}


@pytest.mark.parametrize("case", sorted(TOKENS))
async def test_bad_token_is_401_and_nothing_happens(teams: TeamsChannel, nlu: Any, case: str) -> None:
    nlu.teach(TEXT, "note.add", title="milk")
    status, _ = await teams.post(teams.personal_message(TEXT), token=TOKENS[case](teams))
    assert status == 401
    await asyncio.sleep(0.2)
    assert nlu.seen == [] and teams.bf.recorded() == []


async def test_missing_authorization_is_401(teams: TeamsChannel, nlu: Any) -> None:
    nlu.teach(TEXT, "note.add", title="milk")
    response = await teams.client.post("/api/messages", json=teams.personal_message(TEXT))
    assert response.status == 401
    response = await teams.client.post("/api/messages", json=teams.personal_message(TEXT),
                                       headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status == 401
    assert nlu.seen == [] and teams.bf.recorded() == []


async def test_unendorsed_key_is_401(bf: Any, teams: TeamsChannel, nlu: Any) -> None:
    """A key the metadata publishes for another channel cannot sign Teams activities."""
    other = SigningKey(endorsements=("webchat",))
    bf.keys.append(other)
    status, _ = await teams.post(teams.personal_message(TEXT),
                                 token=other.token(audience=APP_ID, service_url=bf.service_url))
    assert status == 401 and nlu.seen == []


@pytest.mark.parametrize("age", ["fresh", "expired two minutes ago (within the 5-minute skew)"])
async def test_valid_token_is_accepted(teams: TeamsChannel, nlu: Any, age: str) -> None:
    nlu.teach(TEXT, "note.add", title="milk")
    token = teams.token() if age == "fresh" else teams.token(issued_ago=720, lifetime=600)
    status, _ = await teams.post(teams.personal_message(TEXT), token=token)
    assert status == 201
    calls = await teams.bf.wait_for(lambda c: len(c) >= 1)
    assert calls[0].authorized and "milk" in calls[0].body["text"]


async def test_a_key_rotated_in_is_accepted_once_the_cache_may_refresh(bf: Any, teams: TeamsChannel, nlu: Any) -> None:
    """The channel publishes a new key: a token it signs is refused only while the key cache is fresh."""
    from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor

    nlu.teach(TEXT, "note.add", title="milk")
    assert (await teams.post(teams.personal_message(TEXT)))[0] == 201  # the keys are now cached
    rotated = SigningKey()
    bf.keys.append(rotated)
    token = rotated.token(audience=APP_ID, service_url=bf.service_url)
    assert (await teams.post(teams.personal_message(TEXT), token=token))[0] == 401  # a miss refreshes at most every 5 min
    cache = JwtTokenExtractor.metadataCache[bf.metadata_url]
    cache.last_updated -= cache.MISS_REFRESH_INTERVAL
    assert (await teams.post(teams.personal_message(TEXT), token=token))[0] == 201
    calls = await teams.bf.wait_for(lambda c: len(c) >= 2)
    assert all(call.authorized for call in calls)
