"""`flowdesk serve` as a newcomer runs it: embedded defaults, the shipped model, real HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def wait_for(url: str, status: int, *, timeout: float) -> tuple[int, str]:
    deadline = time.monotonic() + timeout
    last: tuple[int, str] = (0, "")
    while time.monotonic() < deadline:
        try:
            last = get(url)
            if last[0] == status:
                return last
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer {status} within {timeout}s (last: {last})")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWDESK_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(port)],
                               cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        log.close()


def test_serve_on_embedded_defaults(server: tuple[str, subprocess.Popen[bytes]], tmp_path: Path) -> None:
    base, process = server
    wait_for(f"{base}/healthz", 200, timeout=60)
    status, body = wait_for(f"{base}/readyz", 200, timeout=180)
    assert '"models": true' in body
    status, page = get(f"{base}/")
    assert status == 200 and "<html" in page.lower()
    status, metrics = get(f"{base}/metrics")
    assert status == 200 and "flowdesk_outbox_depth" in metrics
    assert (tmp_path / ".flowdesk" / "flowdesk.db").is_file()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
