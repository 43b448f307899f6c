"""50 concurrent clicks on one approval: exactly one transition and one notice (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.errors import ActionRejected
from bot.storage.database import Database
from connectors.approvals import ApprovalsConfig, ApprovalsConnector
from connectors.approvals.models import from_ref
from connectors.tables import approval_events, approvals
from tests.unit.connectors.fd_harness import Harness, postgres_database, postgres_reachable, sqlite_database

CLICKS = 50


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def any_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "postgresql" and not await postgres_reachable():
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432 (user postgres, database test)")
    context: AbstractAsyncContextManager[Database] = (
        sqlite_database(tmp_path / "race.db") if request.param == "sqlite" else postgres_database()
    )
    async with context as database:
        yield database


async def _race(harness: Harness, value: str, users: list[str], verb: str = "approve") -> list[object]:
    clicks = [harness.click(f"approval.{verb}", value, user=user) for user in users]
    return await asyncio.gather(*clicks, return_exceptions=True)


async def _transitions(database: Database, ref: str) -> list[str]:
    async with database.sessions() as session:
        rows = await session.execute(sa.select(approval_events.c.event)
                                     .where(approval_events.c.approval_id == from_ref(ref))
                                     .order_by(approval_events.c.id))
        return list(rows.scalars())


async def test_concurrent_clicks_make_one_decision(any_database: Database) -> None:
    harness = Harness(any_database, [ApprovalsConnector(config=ApprovalsConfig())])
    request = await harness.call("approval.request", {"approver": "U2", "subject": "server budget"}, user="U1")
    ref, value = request.data["request_id"], request.notices[0].reply.card.buttons[0].value
    verbs = ["approve", "reject"]
    outcomes = await asyncio.gather(*[
        harness.click(f"approval.{verbs[n % 2]}", value, user="U2") for n in range(CLICKS)
    ], return_exceptions=True)
    won = [o for o in outcomes if not isinstance(o, BaseException)]
    lost = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(won) == 1, won
    assert all(isinstance(o, ActionRejected) and o.private for o in lost), lost[:3]
    assert await _transitions(any_database, ref) == ["requested", won[0].data["state"]]  # type: ignore[union-attr]
    results = [r for r in await harness.outbox_rows("notice") if r.key.endswith(":result")]
    assert len(results) == 1
    async with any_database.sessions() as session:
        version = await session.scalar(sa.select(approvals.c.version).where(approvals.c.id == from_ref(ref)))
    assert version == 2


async def test_concurrent_all_of_approvals_all_count(any_database: Database) -> None:
    """Different approvers racing on an all-of request: every approval lands, one final notice."""
    harness = Harness(any_database, [ApprovalsConnector(config=ApprovalsConfig())])
    request = await harness.call("approval.request", {"approver": "U2", "approvers": ["U3", "U4", "U5"],
                                                      "mode": "all", "subject": "policy"}, user="U1")
    value = request.notices[0].reply.card.buttons[0].value
    users = ["U2", "U3", "U4", "U5"] * 10
    outcomes = await _race(harness, value, users)
    won = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(won) == 4
    assert sorted(await _transitions(any_database, request.data["request_id"])) == sorted(
        ["requested", "approved_part", "approved_part", "approved_part", "approved"])
    assert len([r for r in await harness.outbox_rows("notice") if r.key.endswith(":result")]) == 1
    assert json.loads(value)["request_id"] == request.data["request_id"]
