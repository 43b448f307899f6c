"""Stored conversation references on SQLite and PostgreSQL, and the 0004_teams migration."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from bot.adapters.teams import convert
from bot.adapters.teams.store import ReferenceStore
from bot.storage import Database
from bot.storage.database import alembic_config
from tests.e2e.teams.conftest import fixture


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'teams.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(url=database_url)
    await db.upgrade()
    yield db
    await db.close()


async def test_references_are_upserted_and_found(database: Database) -> None:
    store = ReferenceStore(database=database)
    personal = convert.activity_from(fixture("teams_message_personal_full_inbound_docs.json"))
    await store.remember(personal)
    personal.service_url = "https://smba.trafficmanager.net/emea/"
    await store.remember(personal)
    channel = convert.activity_from(fixture("teams_message_mention_channel.json"))
    await store.remember(channel)

    reference = await store.conversation(personal.conversation.id)
    assert reference["serviceUrl"] == "https://smba.trafficmanager.net/emea/"
    assert "activityId" not in reference
    threaded = await store.conversation(channel.conversation.id)
    assert threaded["conversation"]["id"] == "19:6848757105754c8981c67612732d9aa7@thread.tacv2"
    megan = await store.person("7faf8ab2-3d56-4244-b585-20c8a42ed2b8")
    assert megan["personal_conversation_id"] == personal.conversation.id
    assert await store.person(personal.from_property.id) == megan
    rido = await store.person("b15a9416-0ad3-4172-9210-7beb711d3f70")
    assert rido["teams_id"].startswith("29:") and rido["personal_conversation_id"] is None


def test_migration_up_and_down(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0004_teams")
    assert {"teams_conversations", "teams_users"} <= _tables(tmp_path / "m.db")
    command.downgrade(config, "0003_slack")
    assert not {"teams_conversations", "teams_users"} & _tables(tmp_path / "m.db")


def _tables(path: Path) -> set[str]:
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


async def test_concurrent_remember_does_not_fail(database: Database) -> None:
    store = ReferenceStore(database=database)
    activities = [convert.activity_from(fixture("teams_message_personal_full_inbound_docs.json")) for _ in range(5)]
    await asyncio.gather(*(store.remember(a) for a in activities))
    assert await store.person("7faf8ab2-3d56-4244-b585-20c8a42ed2b8") is not None
