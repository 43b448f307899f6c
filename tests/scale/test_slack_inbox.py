"""A Slack web replica SIGKILLed right after acknowledging commands: every acknowledged command is
still answered, exactly once, by the other replica (counted at the fake Slack Web API).

Two web replicas serve ``/slack/events`` on PostgreSQL and a private Redis, as
``flowdesk serve`` replicas do, with a queue worker beside them. Replica 0
understands slowly (2 s per message), so when it is killed most of its
acknowledged commands are still waiting in its backlog and a few are half
done (thread opened, NLU running). The lease is shortened to 6 s (and the
Redis in-flight mark to 2 s) so the test does not wait the production 30 s.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from pathlib import Path

import aiohttp
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bot.inbox import inbox
from tests.e2e.slack.players import SECRET, TOKEN, SlackPlayer
from tests.fakes.slack_api import FakeSlack
from tests.scale.cluster import Cluster
from tests.scale.redis_proc import RedisProcess

pytestmark = pytest.mark.postgres

ON_VICTIM, ON_SURVIVOR = 40, 20
ASKED = re.compile(r"asked: /flowdesk order (\d+)$")


async def inbox_states(url: str) -> Counter[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return Counter((await conn.execute(sa.select(inbox.c.state))).scalars())
    finally:
        await engine.dispose()


def answers(slack: FakeSlack) -> tuple[Counter[int], Counter[int], int]:
    """Per command number: how many threads were opened for it and how many replies went into them;
    and how many replies went to the channel without a thread.

    The fake answers the n-th message it creates with ts ``1700000000.<n>``, in the order it records calls.
    """
    opened: dict[str, int] = {}
    threads: Counter[int] = Counter()
    replies: Counter[int] = Counter()
    unthreaded = 0
    created = 0
    for call in slack.calls:
        if call.method == "chat.postEphemeral" or (call.method == "chat.postMessage" and "ts" not in call.args):
            created += 1
        if call.method != "chat.postMessage":
            continue
        thread = call.args.get("thread_ts")
        found = ASKED.search(str(call.args.get("text", "")))
        if thread:
            replies[opened.get(str(thread), -1)] += 1
        elif found:
            threads[int(found.group(1))] += 1
            opened[f"1700000000.{created:06d}"] = int(found.group(1))
        else:
            unthreaded += 1
    return threads, replies, unthreaded


async def test_commands_acknowledged_by_a_killed_replica_are_answered_once_by_the_other(
        tmp_path: Path, postgres_url: str, redis_proc: RedisProcess) -> None:
    slack = await FakeSlack().start()
    slack.add_user("W111", "Pat Requester", "pat@example.com")
    data = tmp_path / "data"
    data.mkdir()
    cluster = Cluster(data_dir=data, database_url=postgres_url, redis_url=redis_proc.url, flows=0, extra_env={
        "FLOWDESK_SLACK_SIGNING_SECRET": SECRET, "FLOWDESK_SLACK_BOT_TOKEN": TOKEN,
        "FLOWDESK_SLACK_API_URL": slack.api_url,
        "SCALE_INBOX_LEASE": "6", "SCALE_INBOX_SWEEP": "0.5", "SCALE_IN_FLIGHT_MS": "2000",
    })
    try:
        await cluster.start_web(env={"SCALE_NLU_DELAY": "2", "FLOWDESK_LOG_LEVEL": "DEBUG"})  # the victim; migrates the database first
        await cluster.start_web()
        cluster.start_worker()
        async with aiohttp.ClientSession() as session:
            victim = SlackPlayer(url=cluster.url(0) + "/slack/events", session=session, hook_base=slack.base + "/hooks")
            survivor = SlackPlayer(url=cluster.url(1) + "/slack/events", session=session,
                                   hook_base=slack.base + "/hooks")
            sent = [victim.command(f"order {n}") for n in range(ON_VICTIM)]
            sent += [survivor.command(f"order {n}") for n in range(ON_VICTIM, ON_VICTIM + ON_SURVIVOR)]
            statuses = [r.status for r in await asyncio.gather(*sent)]
        assert statuses == [200] * (ON_VICTIM + ON_SURVIVOR), "every command was acknowledged"
        cluster.kill_web(0)
        _, replies_at_kill, _ = answers(slack)
        assert sum(replies_at_kill[n] for n in range(ON_VICTIM)) < ON_VICTIM / 2, \
            "the victim was killed with most of its acknowledged commands unanswered"
        everyone = set(range(ON_VICTIM + ON_SURVIVOR))


        def all_answered() -> bool:
            threads, replies, unthreaded = answers(slack)
            return len(set(replies) & everyone) + unthreaded >= len(everyone)

        await slack.wait_for(all_answered, timeout=60)
        await asyncio.sleep(2.0)  # more sweeps: none may answer anything again
        threads, replies, unthreaded = answers(slack)
        assert {n: c for n, c in threads.items() if c != 1} == {}, "a command's thread is opened at most once"
        assert {n: c for n, c in replies.items() if c != 1} == {}, "one answer in each thread"
        assert set(replies) <= set(threads) <= everyone
        # a run killed after opening its thread and before remembering it (or before opening it, under
        # "opening"): the re-run answers in the channel rather than open a second thread
        assert sum(replies.values()) + unthreaded == len(everyone), "every command answered once"
        assert await inbox_states(postgres_url) == Counter({"done": ON_VICTIM + ON_SURVIVOR})
    finally:
        cluster.stop()
        await slack.close()
    adopted = (data / "web1.log").read_text(errors="replace").count("inbox.adopted")
    assert adopted >= ON_VICTIM - sum(replies_at_kill[n] for n in range(ON_VICTIM)), "the survivor adopted them"
