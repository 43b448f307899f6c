"""Shared fixtures: settings in a temporary data dir, databases, a runtime with a scripted NLU."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

POSTGRES_URL = os.environ.get("FLOWDESK_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


def _postgres_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason to skip."""
    import asyncpg

    async def probe() -> None:
        dsn = POSTGRES_URL.replace("postgresql+asyncpg", "postgresql")
        conn = await asyncpg.connect(dsn, timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
    except Exception as exc:  # noqa: BLE001 - any failure means "not here"
        return f"PostgreSQL is not reachable at {POSTGRES_URL} ({type(exc).__name__}: {exc})"
    return None


_PG_SKIP = _postgres_reachable()


@asynccontextmanager
async def postgres_schema() -> AsyncIterator[str]:
    """A fresh database on the test PostgreSQL server (its URL), dropped afterwards."""
    if _PG_SKIP:
        pytest.skip(_PG_SKIP)
    import asyncpg

    name = f"flowdesk_t_{uuid.uuid4().hex[:12]}"
    dsn = POSTGRES_URL.replace("postgresql+asyncpg", "postgresql")

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    await run(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        await run(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """URL of a fresh PostgreSQL database; skipped with the reason when PostgreSQL is absent."""
    async with postgres_schema() as url:
        yield url


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path
