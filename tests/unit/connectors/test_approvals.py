"""Approvals through a minimal pipeline on SQLite: cards, who may decide, audit trail, schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from bot.errors import ActionRejected
from bot.storage.database import Database
from connectors.approvals import ApprovalsConfig, ApprovalsConnector
from connectors.approvals.models import from_ref
from connectors.tables import approval_events
from tests.unit.connectors.fd_harness import Harness


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def approvals() -> ApprovalsConnector:
    return ApprovalsConnector(config=ApprovalsConfig(approval_remind_after_hours=4, approval_expire_after_hours=48))


@pytest.fixture
def harness(database: Database, approvals: ApprovalsConnector, clock: Clock) -> Harness:
    return Harness(database, [approvals], clock=clock)


async def _request(harness: Harness, **extra: Any) -> tuple[str, str]:
    args = {"approver": "U2", "subject": "the new laptop", "amount": 1200, "currency": "USD", **extra}
    result = await harness.call("approval.request", args, user="U1")
    card = result.notices[0].reply.card
    assert card is not None
    return result.data["request_id"], card.buttons[0].value


async def test_request_posts_a_card_with_approve_and_reject_in_the_thread(harness: Harness) -> None:
    result = await harness.call("approval.request", {"approver": "dana.kim@example.com", "subject": "laptop",
                                                     "amount": 1200}, user="U1")
    assert result.status == "pending" and result.data["request_id"].startswith("APR-")
    (notice,) = result.notices
    assert notice.to.thread == "1700000000.000100"
    assert [b.label for b in notice.reply.card.buttons] == ["Approve", "Reject"]
    assert ("Waiting on", "Dana Kim") in notice.reply.card.fields


async def test_only_the_named_approver_decides_and_a_decision_is_final(harness: Harness) -> None:
    ref, value = await _request(harness)
    with pytest.raises(ActionRejected) as refused:
        await harness.click("approval.approve", value, user="U5")
    assert refused.value.private
    result = await harness.click("approval.reject", value, user="U2")
    assert result.status == "rejected" and result.replace and not result.card.buttons
    assert ("Rejected by", "Dana Kim") in result.card.fields
    assert "rejected by Dana Kim" in result.notices[0].reply.text
    with pytest.raises(ActionRejected):
        await harness.click("approval.approve", value, user="U2")
    assert [r.key for r in await harness.outbox_rows("notice")] == [
        f"approval:{ref}:card:0", f"approval:{ref}:result"]


async def test_every_transition_is_in_the_audit_trail(harness: Harness, database: Database) -> None:
    ref, value = await _request(harness)
    await harness.call("approval.approve", {"request_id": ref, "comment": "ok, within budget"}, user="U2")
    async with database.sessions() as session:
        rows = (await session.execute(sa.select(approval_events).where(
            approval_events.c.approval_id == from_ref(ref)).order_by(approval_events.c.id))).all()
    assert [(r.event, r.from_state, r.to_state, r.actor) for r in rows] == [
        ("requested", None, "pending", "U1"), ("approved", "pending", "approved", "U2")]
    assert rows[1].comment == "ok, within budget" and rows[1].at is not None


async def test_a_chain_goes_from_one_approver_to_the_next(harness: Harness) -> None:
    ref, value = await _request(harness, approvers=["U3"], mode="chain")
    with pytest.raises(ActionRejected):
        await harness.click("approval.approve", value, user="U3")
    first = await harness.click("approval.approve", value, user="U2")
    assert first.status == "pending"
    assert [n.key for n in first.notices] == [f"approval:{ref}:card:1"]
    assert ("Waiting on", "Finn Finance") in first.notices[0].reply.card.fields
    final = await harness.click("approval.approve", value, user="U3")
    assert final.status == "done" and final.notices[0].key == f"approval:{ref}:result"


async def test_all_of_needs_everyone_and_any_of_needs_one(harness: Harness) -> None:
    ref, value = await _request(harness, approvers=["U3"], mode="all")
    part = await harness.click("approval.approve", value, user="U3")
    assert part.status == "pending" and not part.notices and part.card.buttons
    assert (await harness.click("approval.approve", value, user="U2")).status == "done"
    ref2, value2 = await _request(harness, approvers=["U3"], mode="any")
    assert (await harness.click("approval.approve", value2, user="U3")).status == "done"
    with pytest.raises(ActionRejected):
        await harness.click("approval.approve", value2, user="U2")


async def test_reassignment_moves_the_decision_to_the_delegate(harness: Harness) -> None:
    ref, value = await _request(harness)
    moved = await harness.call("approval.reassign", {"request_id": ref, "to": "U4"}, user="U2")
    assert ("Waiting on", "Sam Sales") in moved.notices[0].reply.card.fields
    with pytest.raises(ActionRejected):
        await harness.click("approval.approve", value, user="U2")
    assert (await harness.click("approval.approve", value, user="U4")).status == "done"


async def test_list_and_cancel(harness: Harness) -> None:
    ref, value = await _request(harness)
    mine = await harness.call("approval.list", {"scope": "mine"}, user="U2")
    assert mine.data["requests"] == [ref]
    with pytest.raises(ActionRejected):
        await harness.call("approval.cancel", {"request_id": ref}, user="U2")
    cancelled = await harness.call("approval.cancel", {"request_id": ref}, user="U1")
    assert cancelled.data["state"] == "cancelled"
    assert cancelled.notices[0].update_of == f"approval:{ref}:card:0"
    assert (await harness.call("approval.list", {"scope": "mine"}, user="U2")).data["requests"] == []
    with pytest.raises(ActionRejected):
        await harness.click("approval.approve", value, user="U2")


async def test_reminders_then_expiry_on_the_schedule(harness: Harness, approvals: ApprovalsConnector,
                                                    clock: Clock) -> None:
    ref, value = await _request(harness)
    assert await harness.tick(approvals, clock.now + timedelta(hours=1)) == []
    reminded = await harness.tick(approvals, clock.now + timedelta(hours=5))
    assert [n.key for n in reminded] == [f"approval:{ref}:reminder:1"]
    assert await harness.tick(approvals, clock.now + timedelta(hours=6)) == []
    expired = await harness.tick(approvals, clock.now + timedelta(hours=49))
    assert [n.key for n in expired] == [f"approval:{ref}:result", f"approval:{ref}:card:0:closed"]
    assert "expired" in expired[0].reply.text
    assert await harness.tick(approvals, clock.now + timedelta(hours=100)) == []
    with pytest.raises(ActionRejected):
        await harness.click("approval.approve", value, user="U2")


async def test_unknown_request_ids_are_refused(harness: Harness) -> None:
    with pytest.raises(ActionRejected):
        await harness.call("approval.cancel", {"request_id": "APR-99999"}, user="U1")
    with pytest.raises(ActionRejected):
        await harness.call("approval.cancel", {"request_id": "nonsense"}, user="U1")
