"""Sustained mixed load against one process and against two replicas + a worker, side by side.

Each target runs in its own processes on loopback (``tests.scale.launcher``,
with the scripted NLU, so this measures the server, pipeline, database and
queue, not model inference):

- one process: ``flowdesk serve`` on the embedded defaults (SQLite, in-process worker);
- two replicas + worker: two web processes and a queue worker on PostgreSQL and Redis
  (a private redis-server on a free port), requests alternating between the replicas.

Traffic (open loop: a slow answer never slows the sender) is a mix of 30 %
expense claims (a workflow starts and an approval card goes to the approver
through the outbox), 50 % "help" and 20 % chatter the bot declines. Each
request is stored in the inbox, acknowledged (202) and answered in the
background by a backlog of ``--work-slots`` tasks, as the Slack adapter does
when its work runs in the web process. Two phases per target: 20 messages/s for the end-to-end
time to the bot's reply, then a high rate for the acknowledgement (default 200/s).

    .venv/bin/python bench/load.py --ack-rate 200 --e2e-rate 20 --seconds 15

Results: a table on stdout and bench/results/load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.models import Message  # noqa: E402
from tests.scale import flows  # noqa: E402
from tests.scale.cluster import Cluster  # noqa: E402
from tests.scale.redis_proc import RedisProcess  # noqa: E402

POSTGRES = os.environ.get("FLOWDESK_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
GOAL = {"ack_rate_per_s": 200, "ack_p99_ms": 50, "e2e_rate_per_s": 20, "e2e_p99_ms": 1000}
ONE, TWO = "one process (SQLite, in-process worker)", "2 web replicas + worker (PostgreSQL, Redis)"


def message(n: int, claim: int | None) -> Message:
    text = flows.claim_text(claim) if claim is not None else ("help" if n % 10 < 7 else "what's the weather in Oslo")
    return Message(platform=flows.PLATFORM, workspace="local", channel="console", thread=f"L{n}", id=f"L{n}",
                   user=f"user{n % 50}", user_name=f"user{n % 50}", text=text)


class Load:
    """Sends ``rate`` messages per second for ``seconds`` and keeps when each was sent and acked."""

    def __init__(self, urls: list[str], *, first: int, claims: int) -> None:
        self.urls, self.first, self.next_claim = urls, first, claims
        self.sent: dict[str, float] = {}
        self.acks: list[float] = []
        self.errors = 0

    async def run(self, rate: float, seconds: float) -> float:
        count = int(rate * seconds)
        connector = aiohttp.TCPConnector(limit=400)
        async with aiohttp.ClientSession(connector=connector) as session:
            loop = asyncio.get_running_loop()
            start, tasks = loop.time(), []
            for k in range(count):
                delay = start + k / rate - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(self.send(session, self.first + k)))
            await asyncio.gather(*tasks)
            return loop.time() - start

    async def send(self, session: aiohttp.ClientSession, n: int) -> None:
        claim = None
        if n % 10 < 3:
            claim, self.next_claim = self.next_claim, self.next_claim + 1
        body = {"message": message(n, claim).model_dump(mode="json"), "delivery_key": f"load:{n}"}
        sent = time.time()
        try:
            async with session.post(self.urls[n % len(self.urls)] + "/test/events", json=body,
                                    timeout=aiohttp.ClientTimeout(total=30)) as response:
                await response.read()
                ok = response.status == 202
        except (aiohttp.ClientError, TimeoutError):
            ok = False
        if ok:
            self.acks.append(time.time() - sent)
            self.sent[f"L{n}"] = sent
        else:
            self.errors += 1


def pct(values: list[float], q: int) -> float | None:
    if len(values) < 2:
        return round(values[0] * 1000, 2) if values else None
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000, 2)


def arrivals(posts: Path) -> tuple[dict[str, float], dict[str, float]]:
    """thread -> when the bot's reply was posted; thread -> when the approval card was posted."""
    replies: dict[str, float] = {}
    cards: dict[str, float] = {}
    for entry in flows.posts(posts):
        if entry["op"] != "send":
            continue
        thread, card = entry["to"].get("thread"), (entry["reply"].get("card") or {})
        approval = any(b.get("action_id") == "approval.approve" for b in card.get("buttons") or ())
        target = cards if approval else replies  # a reply may carry rating buttons: not a card
        target.setdefault(thread, entry["at"])
    return replies, cards


async def phase(cluster: Cluster, urls: list[str], rate: float, seconds: float, first: int, claims: int) -> dict[str, Any]:
    load = Load(urls, first=first, claims=claims)
    took = await load.run(rate, seconds)
    expected_cards = {t for t in load.sent if int(t[1:]) % 10 < 3}
    deadline = time.time() + 60
    while time.time() < deadline:
        replies, cards = arrivals(cluster.posts)
        if set(load.sent) <= set(replies) and expected_cards <= set(cards):
            break
        await asyncio.sleep(0.5)
    replies, cards = arrivals(cluster.posts)
    e2e = [replies[t] - s for t, s in load.sent.items() if t in replies]
    card = [cards[t] - s for t, s in load.sent.items() if t in cards]
    done = [replies[t] for t in load.sent if t in replies]
    return {
        "rate_per_s": rate, "seconds": seconds, "sent": int(rate * seconds), "acked": len(load.acks),
        "errors": load.errors, "acked_per_s": round(len(load.acks) / took, 1),
        "answered_per_s": round(len(done) / (max(done) - min(load.sent.values())), 1) if done else 0.0,
        "ack_p50_ms": pct(load.acks, 50), "ack_p99_ms": pct(load.acks, 99),
        "reply_p50_ms": pct(e2e, 50), "reply_p99_ms": pct(e2e, 99),
        "card_p50_ms": pct(card, 50), "card_p99_ms": pct(card, 99),
        "unanswered": len(set(load.sent) - set(replies)), "cards_missing": len(expected_cards - set(cards)),
    }, len(load.sent) + claims


async def measure(name: str, cluster: Cluster, replicas: int, args: argparse.Namespace) -> dict[str, Any]:
    for _ in range(replicas):
        await cluster.start_web()
    if cluster.env.get("FLOWDESK_REDIS_URL"):
        cluster.start_worker()
    urls = [cluster.url(i) for i in range(replicas)]
    try:
        await phase(cluster, urls, 10, 2, first=0, claims=0)  # warm-up: connections, caches
        # the sustainable rate first, so the high-rate phase's backlog cannot slow it
        e2e, _ = await phase(cluster, urls, args.e2e_rate, args.seconds, first=100_000, claims=20_000)
        ack, _ = await phase(cluster, urls, args.ack_rate, args.seconds, first=10_000, claims=1_000)
        memory = cluster.peak_rss_mib()
    finally:
        cluster.stop()
    print(f"  {name}: done", file=sys.stderr)
    return {"ack_phase": ack, "e2e_phase": e2e, "peak_rss_mib": memory, "peak_rss_total_mib": round(sum(memory.values()), 1)}


async def fresh_database() -> tuple[str, str]:
    import asyncpg

    name = f"flowdesk_load_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(POSTGRES.replace("postgresql+asyncpg", "postgresql"))
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return POSTGRES.rsplit("/", 1)[0] + "/" + name, name


async def drop_database(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(POSTGRES.replace("postgresql+asyncpg", "postgresql"))
    await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    await conn.close()


async def main(args: argparse.Namespace) -> dict[str, Any]:
    claims = 40_000
    results: dict[str, Any] = {}
    env = {"SCALE_WORK_SLOTS": str(args.work_slots), "SCALE_WORK_PROCESS": "1" if args.work_process else "0"}
    with tempfile.TemporaryDirectory() as tmp:
        if "one" in args.targets:
            one = Cluster(data_dir=Path(tmp) / "one", database_url=None, redis_url=None, flows=claims, extra_env=env)
            one.data_dir.mkdir()
            results[ONE] = await measure(ONE, one, 1, args)
        if "two" not in args.targets:
            return results
        redis = RedisProcess(Path(tmp) / "redis")
        redis.start()
        url, name = await fresh_database()
        try:
            two = Cluster(data_dir=Path(tmp) / "two", database_url=url, redis_url=redis.url, flows=claims, extra_env=env)
            two.data_dir.mkdir()
            results[TWO] = await measure(TWO, two, 2, args)
        finally:
            redis.stop()
            await drop_database(name)
    return results


def table(results: dict[str, Any]) -> str:
    rows = [("", *results)]
    for phase_name in ("ack_phase", "e2e_phase"):
        for key in ("rate_per_s", "acked_per_s", "answered_per_s", "errors", "ack_p50_ms", "ack_p99_ms",
                    "reply_p50_ms", "reply_p99_ms", "card_p50_ms", "card_p99_ms", "unanswered", "cards_missing"):
            rows.append((f"{phase_name[:3]} {key}", *(str(r[phase_name][key]) for r in results.values())))
    rows.append(("peak RSS total (MiB)", *(str(r["peak_rss_total_mib"]) for r in results.values())))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ack-rate", type=float, default=200.0)
    parser.add_argument("--e2e-rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--work-slots", type=int, default=8,
                        help="tasks answering stored messages in each web process (8, as the Slack adapter); "
                             "0: a task per message")
    parser.add_argument("--work-process", action="store_true",
                        help="answer in a child process of each web process at nice 10, as flowdesk serve "
                             "runs the Slack adapter's work (default: in the web process's event loop)")
    parser.add_argument("--targets", default="one,two", help="which shapes to measure: one, two or both")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "load.json")
    options = parser.parse_args()
    LOAD_BEFORE = os.getloadavg()  # the cores are shared: say how busy they were
    measured = asyncio.run(main(options))
    print(table(measured))
    report = {
        "benchmark": "load", "ack_rate_per_s": options.ack_rate, "e2e_rate_per_s": options.e2e_rate,
        "seconds": options.seconds, "work_slots": options.work_slots,
        "work_process": options.work_process, "goal": GOAL,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_before": [round(x, 2) for x in LOAD_BEFORE]},
        "nlu": "scripted (tests.fakes.nlu.ScriptedNLU): measures server, pipeline, database and queue, not inference",
        "load_generator": "same machine, same cores (open loop, aiohttp)",
        "results": measured,
    }
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"saved {options.out}")
