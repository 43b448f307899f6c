"""Processes for scale tests: web replicas and a queue worker started with ``tests.scale.launcher``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from tests.scale.redis_proc import free_port

ROOT = Path(__file__).resolve().parents[2]


class Cluster:
    """Web replicas on free ports and one worker, sharing a database, Redis and a data dir."""

    def __init__(self, *, data_dir: Path, database_url: str | None, redis_url: str | None, flows: int,
                 extra_env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.posts = data_dir / "posts.jsonl"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("FLOWDESK_")},
            "FLOWDESK_DATA_DIR": str(data_dir),
            "FLOWDESK_LOG_LEVEL": "WARNING", "SCALE_FLOWS": str(flows), "SCALE_POSTS": str(self.posts),
            "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        if database_url:
            self.env["FLOWDESK_DATABASE_URL"] = database_url
        if redis_url:
            self.env["FLOWDESK_REDIS_URL"] = redis_url
        self.ports: list[int] = []
        self.webs: dict[int, subprocess.Popen[bytes]] = {}
        self.worker: subprocess.Popen[bytes] | None = None

    def url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports[index]}"

    def _spawn(self, *args: str, log: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        out = open(self.data_dir / log, "ab")  # noqa: SIM115 - owned by the child
        return subprocess.Popen([sys.executable, "-m", "tests.scale.launcher", *args], cwd=ROOT,
                                env={**self.env, **(env or {})}, stdout=out, stderr=subprocess.STDOUT)

    async def start_web(self, index: int | None = None, *, env: dict[str, str] | None = None) -> int:
        """Start (or restart) replica ``index`` (``env``: its own extra variables); returns once it is ready."""
        if index is None:
            self.ports.append(free_port())
            index = len(self.ports) - 1
        port = self.ports[index]
        self.webs[index] = self._spawn("web", "--port", str(port), log=f"web{index}.log", env=env)
        await wait_ready(f"http://127.0.0.1:{port}/readyz", self.webs[index])
        return index

    def start_worker(self) -> None:
        self.worker = self._spawn("worker", log="worker.log")

    def kill_web(self, index: int) -> None:
        process = self.webs[index]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def terminate(self, process: subprocess.Popen[bytes], timeout: float = 30) -> int:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        return process.wait(timeout=timeout)

    def stop(self) -> None:
        for process in [*self.webs.values(), *([self.worker] if self.worker else [])]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.webs.values(), *([self.worker] if self.worker else [])]:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def peak_rss_mib(self) -> dict[str, float]:
        """Peak resident memory (VmHWM) of each live flowdesk process, in MiB."""
        named = {f"web{i}": p for i, p in self.webs.items()}
        if self.worker is not None:
            named["worker"] = self.worker
        peaks = {}
        for name, process in named.items():
            status = Path(f"/proc/{process.pid}/status")
            if process.poll() is None and status.exists():
                line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM:"))
                peaks[name] = round(int(line.split()[1]) / 1024, 1)
        return peaks

    def log(self, name: str) -> str:
        path = self.data_dir / name
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


async def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the process exited with {process.returncode} before it was ready")
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await _sleep(0.1)
    raise RuntimeError(f"{url} was not ready within {timeout} s")


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)
