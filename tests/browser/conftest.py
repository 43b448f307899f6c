"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against a running console.

Playwright's own browser download cannot work offline, so the tests launch the
system Chromium; ``scripts/install-browser.sh`` installs it. Without it, or
without the playwright package, the browser tests are skipped with the reason.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.config import load_settings
from bot.nlu import NLUEngine
from bot.runtime import Runtime
from bot.server import build_app
from tests.browser.flows import console_registry, scripted_nlu

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

PLAYWRIGHT_MISSING = "playwright is not installed (pip install -e '.[test]')"

try:
    from playwright.async_api import BrowserContext, async_playwright, expect
except ImportError:  # pragma: no cover - depends on the environment
    async_playwright = None
else:
    expect.set_options(timeout=15_000)  # a shared CI machine may be slow; nothing waits this long when healthy


def _skip_reason() -> str | None:
    if async_playwright is None:
        return PLAYWRIGHT_MISSING
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (run scripts/install-browser.sh as root)"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = _skip_reason()
    if reason is None:
        return
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.skip(reason=reason))


@dataclass
class Served:
    url: str
    runtime: Runtime


Serve = Callable[..., AbstractAsyncContextManager[Served]]


@pytest.fixture
def serve(data_dir: Path) -> Serve:
    """``flowdesk serve`` in this process on a free loopback port, worker included."""

    @asynccontextmanager
    async def start(*, bind_as: str = "127.0.0.1", token: str | None = None,
                    nlu: NLUEngine | None = None) -> AsyncIterator[Served]:
        environ = {"FLOWDESK_DATA_DIR": str(data_dir)}
        if token:
            environ["FLOWDESK_CONSOLE_TOKEN"] = token
        settings = load_settings(environ)
        runtime = Runtime(settings=settings, nlu=nlu or scripted_nlu(), registry=console_registry(settings))
        runner = web.AppRunner(build_app(runtime, host=bind_as), shutdown_timeout=5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            yield Served(url=f"http://127.0.0.1:{port}", runtime=runtime)
        finally:
            await runner.cleanup()

    return start


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[BrowserContext]:
    """A fresh Chromium profile, laptop-sized."""
    assert async_playwright is not None
    profile = tmp_path / "chromium-profile"
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 800}, locale="en-US", timezone_id="UTC",
        )
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            await context.close()


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


def no_console_errors(page: Any) -> list[str]:
    """Collects the page's JavaScript errors, so a test can assert there were none."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


