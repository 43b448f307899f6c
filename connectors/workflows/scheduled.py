"""Scheduled workflow work: instances whose pending approval expired without anyone clicking.

The approvals connector resumes a workflow itself when someone decides or
withdraws; an expiry happens in the background worker, where no pipeline runs,
so the worker's tick looks for such instances here and resumes them with the
outcome ``expired``. Actions of the following states cannot run from the
schedule: they end with the outcome ``failed`` (the examples end the workflow on
any outcome but ``approved``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import ActionRejected
from bot.models import Action, ActionResult, Actor, Address
from connectors.base import ActionContext, Outbox, Person
from connectors.tables import approvals, workflow_instances

APPROVAL_REF = re.compile(r"^APR-(\d+)$")
APPROVAL_REF_OFFSET = 1000
"""Approval ids are shown as ``APR-<id + 1000>`` (see the approvals connector)."""
CLOSED = ("expired",)
BATCH = 200


async def closed_approvals(session: AsyncSession) -> list[tuple[int, str, dict[str, Any]]]:
    """(instance id, outcome, data) of waiting instances whose approval has expired."""
    waiting = (await session.execute(
        sa.select(workflow_instances.c.id, workflow_instances.c.waiting_on)
        .where(workflow_instances.c.status == "waiting", workflow_instances.c.waiting_on.like("APR-%"))
        .order_by(workflow_instances.c.id).limit(BATCH)
    )).all()
    by_approval = {int(m.group(1)) - APPROVAL_REF_OFFSET: (row.id, row.waiting_on)
                   for row in waiting if (m := APPROVAL_REF.match(row.waiting_on or ""))}
    if not by_approval:
        return []
    closed = (await session.execute(
        sa.select(approvals.c.id, approvals.c.state)
        .where(approvals.c.id.in_(list(by_approval)), approvals.c.state.in_(CLOSED))
    )).all()
    return [(by_approval[row.id][0], row.state, {"request_id": by_approval[row.id][1], "state": row.state})
            for row in closed]


async def approval_state(session: AsyncSession, ref: str) -> str | None:
    """The stored state of approval ``ref`` (None when ``ref`` is not an approval id)."""
    match = APPROVAL_REF.match(ref)
    if match is None:
        return None
    state = await session.scalar(
        sa.select(approvals.c.state).where(approvals.c.id == int(match.group(1)) - APPROVAL_REF_OFFSET)
    )
    return str(state) if state is not None else None


def scheduled_context(session: AsyncSession, *, now: datetime, outbox: Outbox) -> ActionContext:
    """A context for work done by the schedule: no person to resolve, no actions to run."""

    async def no_person(value: str) -> Person:
        raise ActionRejected(f"cannot look up {value!r} from scheduled work")

    async def no_run(action: Action, ctx: ActionContext) -> ActionResult:
        raise ActionRejected(f"{action.type} cannot run from scheduled work")

    return ActionContext(actor=Actor(platform="system", user="system"), origin=Address(platform="system"),
                         session=session, outbox=outbox, now=now, resolve_person=no_person, run=no_run)
