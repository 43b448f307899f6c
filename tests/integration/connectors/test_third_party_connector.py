"""A connector from another package, installed with pip, is found through its entry point and runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.storage.database import Database
from connectors.registry import ConnectorRegistry, discover
from tests.unit.connectors.fd_harness import Harness

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "flowdesk-hello"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example package pip-installed into a folder of its own (offline: no build isolation, no deps)."""
    target = tmp_path_factory.mktemp("site")
    source = tmp_path_factory.mktemp("src") / "flowdesk-hello"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=240, cwd=source,
    )
    assert done.returncode == 0, done.stderr
    return target


async def test_an_installed_package_adds_its_connector(installed: Path, database: Database,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert "hello" not in discover()
    monkeypatch.syspath_prepend(str(installed))
    found = discover()
    assert {"approvals", "email", "data_entry", "workflows", "hello"} <= set(found)
    registry = ConnectorRegistry.load({"hello_greeting": "Hei", "data_dir": "/tmp"}, classes={"hello": found["hello"]})
    assert registry.spec("hello.greet") is not None
    harness = Harness(database, registry.connectors)
    result = await harness.call("hello.greet", {"name": "Dana"}, user="U1")
    assert result.summary == "Hei, Dana! (asked by Alice Requester)"
