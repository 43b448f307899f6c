"""Acknowledgement latency of /slack/events under a steady rate of signed slash commands.

Starts, each in its own process on loopback: a fake Slack Web API, flowdesk
(Slack adapter on, the full pipeline running after each ack), and a bare
slack-bolt app that only acknowledges. Then sends signed ``/flowdesk`` commands
at a fixed rate (open loop: a slow answer does not slow the sender) to each in
turn and reports p50/p99 of the time to the HTTP answer.

    .venv/bin/python bench/slack_ack.py --rate 200 --seconds 20

Results: a table on stdout and bench/results/slack_ack.json.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret"
BARE = "bare slack-bolt (ack only)"
OURS = "flowdesk (work process)"
INPROC = "flowdesk (work in-process)"
TEXTS = ("help", "what can you do", "log 3.5h on Apollo", "what's the weather in Oslo")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the processes under test -------------------------------------------------

async def serve_fake_slack(port: int, counter: str) -> None:
    """Stands in for Slack's servers, which are not on this machine: it runs at a low CPU priority.

    Every second it writes how many messages were posted to ``counter``.
    """
    os.nice(10)
    sys.path.insert(0, str(ROOT))
    from tests.fakes.slack_api import FakeSlack

    fake = await FakeSlack().start(port)
    fake.add_user("W111", "Pat Requester", "pat@example.com")
    posted = 0
    while True:
        await asyncio.sleep(1)
        posted += sum(1 for c in fake.calls if c.method == "chat.postMessage")
        fake.calls.clear()
        Path(counter).write_text(str(posted))


def posted_so_far(counter: Path) -> int:
    try:
        return int(counter.read_text() or 0)
    except (OSError, ValueError):
        return 0


async def settled_posts(counter: Path, *, timeout: float = 60) -> int:
    """The posted-message count once it stops growing (the work after the acks is done)."""
    last, deadline = -1, time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = posted_so_far(counter)
        if now == last:
            return now
        last = now
        await asyncio.sleep(2.5)
    return last


def work_runtime(settings: Any) -> Any:
    """The runtime of flowdesk's work process in this benchmark (the NLU is scripted)."""
    from bot.runtime import Runtime
    from connectors.approvals import ApprovalsConnector
    from connectors.registry import ConnectorRegistry
    from tests.fakes.nlu import ScriptedNLU

    nlu = ScriptedNLU()
    nlu.teach("help", "help")
    nlu.teach("what can you do", "help")
    registry = ConnectorRegistry.load(settings.model_dump(), classes={"approvals": ApprovalsConnector})
    return Runtime(settings=settings, nlu=nlu, registry=registry)


def serve_flowdesk(port: int, api_url: str, data_dir: str, mode: str) -> None:
    sys.path.insert(0, str(ROOT))
    from aiohttp import web

    from bot.config import load_settings
    from bot.adapters.slack import SlackAdapter
    from bot.server import build_app

    settings = load_settings(environ={
        "FLOWDESK_DATA_DIR": data_dir, "FLOWDESK_SLACK_SIGNING_SECRET": SECRET,
        "FLOWDESK_SLACK_BOT_TOKEN": "xoxb-bench", "FLOWDESK_SLACK_API_URL": api_url, "FLOWDESK_LOG_LEVEL": "WARNING",
    })
    from bot.logs import configure

    configure(level="WARNING", fmt="console")
    if mode == "split":  # as ``flowdesk serve`` runs: the work in a child process
        SlackAdapter.WORK_RUNTIME = "bench.slack_ack:work_runtime"
    runtime = work_runtime(settings)
    web.run_app(build_app(runtime), host="127.0.0.1", port=port, print=None, access_log=None)


def serve_bare_bolt(port: int) -> None:
    from aiohttp import web
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.app.async_app import AsyncApp
    from slack_bolt.authorization import AuthorizeResult

    async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token="xoxb-bare")

    app = AsyncApp(signing_secret=SECRET, authorize=authorize)

    @app.command("/flowdesk")
    async def only_ack(ack: Any) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    web.run_app(web_app, host="127.0.0.1", port=port, print=None, access_log=None)


# -- the load -------------------------------------------------------------------

def signed_command(n: int) -> tuple[bytes, dict[str, str]]:
    body = urlencode({
        "token": "x", "team_id": "T111", "team_domain": "bench", "channel_id": f"C{n % 50:03d}",
        "channel_name": "bench", "user_id": "W111", "user_name": "pat", "command": "/flowdesk",
        "text": TEXTS[n % len(TEXTS)], "response_url": "http://127.0.0.1:9/hooks/none", "trigger_id": f"{n}.1.bench",
    }).encode()
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return body, {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}",
                  "Content-Type": "application/x-www-form-urlencoded"}


async def load(url: str, *, rate: float, seconds: float, offset: int) -> dict[str, Any]:
    """Open-loop load: request i starts at t0 + i/rate whatever happened to the others."""
    total = int(rate * seconds)
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def one(n: int) -> None:
            body, headers = signed_command(offset + n)
            started = time.perf_counter()
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    key = str(response.status)
            except (aiohttp.ClientError, TimeoutError) as exc:
                key = type(exc).__name__
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[key] = statuses.get(key, 0) + 1

        tasks = []
        t0 = time.perf_counter()
        for n in range(total):
            delay = t0 + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
    ordered = sorted(latencies)
    return {
        "requests": total, "achieved_rate": round(total / elapsed, 1), "statuses": statuses,
        "p50_ms": round(_pct(ordered, 50), 2), "p90_ms": round(_pct(ordered, 90), 2),
        "p99_ms": round(_pct(ordered, 99), 2), "max_ms": round(ordered[-1], 2),
        "mean_ms": round(statistics.fmean(ordered), 2),
    }


def _pct(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def spawn(role: str, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.Popen([sys.executable, __file__, "--role", role, *args], env=env, cwd=ROOT)


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    slack_port, split_port, inproc_port, bare_port = free_port(), free_port(), free_port(), free_port()
    api = f"http://127.0.0.1:{slack_port}/api/"
    counter = Path(tempfile.mkdtemp(prefix="flowdesk-bench-")) / "posted"
    procs = [spawn("fake-slack", str(slack_port), str(counter)),
             spawn("flowdesk", str(split_port), api, tempfile.mkdtemp(prefix="flowdesk-bench-"), "split"),
             spawn("flowdesk", str(inproc_port), api, tempfile.mkdtemp(prefix="flowdesk-bench-"), "inprocess"),
             spawn("bare", str(bare_port))]
    try:
        for port in (slack_port, split_port, inproc_port, bare_port):
            await wait_port(port)
        targets = {BARE: bare_port, OURS: split_port, INPROC: inproc_port}
        pids = {BARE: procs[3].pid, OURS: procs[1].pid, INPROC: procs[2].pid}
        for name, port in targets.items():  # warm-up: imports, connection pools, first DB writes
            await load(f"http://127.0.0.1:{port}/slack/events", rate=min(args.rate, 50), seconds=2, offset=10**6)
        runs: list[dict[str, Any]] = []
        for round_no in range(args.rounds):
            for name, port in targets.items():
                before = await settled_posts(counter)
                cpu = cpu_seconds(pids[name])
                result = await load(f"http://127.0.0.1:{port}/slack/events", rate=args.rate,
                                    seconds=args.seconds, offset=round_no * 10**5)
                result["messages_posted_per_command"] = round(
                    (await settled_posts(counter) - before) / result["requests"], 2)
                result["web_process_cpu_ms_per_request"] = round(
                    (cpu_seconds(pids[name]) - cpu) * 1000 / result["requests"], 2)
                runs.append({"target": name, "round": round_no + 1, **result})
                print(f"  {name:28s} round {round_no + 1}: p50 {result['p50_ms']:7.2f} ms  "
                      f"p99 {result['p99_ms']:7.2f} ms  web cpu/req {result['web_process_cpu_ms_per_request']} ms  "
                      f"posts/cmd {result['messages_posted_per_command']}  "
                      f"{result['statuses']}", flush=True)
    finally:
        stop(procs[1:])  # flowdesk finishes its work (SIGTERM) while the fake Slack still answers
        stop(procs[:1])
    return {"runs": runs}


def summarize(args: argparse.Namespace, result: dict[str, Any]) -> dict[str, Any]:
    by: dict[str, list[dict[str, Any]]] = {}
    for run in result["runs"]:
        by.setdefault(run["target"], []).append(run)
    summary = {name: {"p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 2),
                      "p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 2),
                      "errors": sum(n for r in runs for k, n in r["statuses"].items() if k != "200")}
               for name, runs in by.items()}
    bare, ours = summary[BARE], summary[OURS]
    return {
        "benchmark": "slack_ack", "rate_per_s": args.rate, "seconds": args.seconds, "rounds": args.rounds,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "posts_per_command_expected": "2 for flowdesk (the thread's first message and the answer), 0 for bare bolt",
        "nlu": "scripted (tests.fakes.nlu.ScriptedNLU): measures the adapter and pipeline, not model inference",
        "summary": summary, "p99_ratio_vs_bare": round(ours["p99_ms"] / bare["p99_ms"], 2) if bare["p99_ms"] else None,
        "goal": {"p99_ms_max": 50, "ratio_max": 1.5},
        **result,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="commands per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each measured run")
    parser.add_argument("--rounds", type=int, default=2, help="alternating runs per target")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "slack_ack.json")
    parser.add_argument("--role", default="bench", help=argparse.SUPPRESS)
    known, rest = parser.parse_known_args()
    if known.role == "fake-slack":
        asyncio.run(serve_fake_slack(int(rest[0]), rest[1]))
        return
    if known.role == "flowdesk":
        serve_flowdesk(int(rest[0]), rest[1], rest[2], rest[3])
        return
    if known.role == "bare":
        serve_bare_bolt(int(rest[0]))
        return
    print(f"slack_ack: {known.rate:g} signed /flowdesk commands per second, {known.seconds:g} s per run, "
          f"{known.rounds} round(s)")
    report = summarize(known, asyncio.run(bench(known)))
    print()
    print(f"{'target':30s} {'p50 ms':>8s} {'p99 ms':>8s} {'non-200':>8s}")
    for name, row in report["summary"].items():
        print(f"{name:30s} {row['p50_ms']:8.2f} {row['p99_ms']:8.2f} {row['errors']:8d}")
    print(f"p99 flowdesk / bare bolt: {report['p99_ratio_vs_bare']}  (goal: p99 <= 50 ms and ratio <= 1.5)")
    known.out.parent.mkdir(parents=True, exist_ok=True)
    known.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"saved {known.out}")


if __name__ == "__main__":
    main()
