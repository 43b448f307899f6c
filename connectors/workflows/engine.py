"""Runs workflow instances: one state after another until an end, a wait, or a pending action.

Each advance happens in the caller's transaction, together with the actions it
runs and the outbox rows they write, and is saved with a compare-and-set on the
instance's version: a crash loses the whole step or none of it, and a step is
never applied twice. State lives in the database, so a restarted process goes on
where the last one stopped.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError

from bot.errors import ActionRejected, BotError, ConnectorError
from bot.models import Action, ActionResult, Actor, Address, Notice, Reply
from connectors.base import ActionContext
from connectors.tables import workflow_events, workflow_instances
from connectors.workflows.expressions import ExpressionError, evaluate, render
from connectors.workflows.spec import Workflow

MAX_STEPS = 100
REF_OFFSET = 1000
RESUME = "workflow.resume"


def to_ref(instance_id: int) -> str:
    return f"WF-{instance_id + REF_OFFSET}"


def from_ref(ref: str) -> int:
    digits = "".join(ch for ch in ref if ch.isdigit())
    if not digits or int(digits) <= REF_OFFSET:
        raise ActionRejected(f"There is no workflow {ref!r}; ids look like WF-1001.", private=True)
    return int(digits) - REF_OFFSET


@dataclasses.dataclass
class Instance:
    """A workflow instance as loaded; ``version`` is the one the save compares against."""

    id: int
    workflow: str
    state: str
    status: str
    waiting_on: str | None
    context: dict[str, Any]
    actor: dict[str, Any]
    origin: dict[str, Any]
    version: int

    @property
    def ref(self) -> str:
        return to_ref(self.id)

    def variables(self) -> dict[str, Any]:
        inputs = self.context.get("inputs", {})
        return {**inputs, "inputs": inputs, "steps": self.context.get("steps", {}),
                "signal": self.context.get("signal", {}), "instance": self.ref}


async def create(ctx: ActionContext, workflow: Workflow, inputs: dict[str, Any]) -> Instance:
    values = dict(workflow=workflow.name, state=workflow.start, status="running", waiting_on=None,
                  context={"inputs": inputs, "steps": {}, "visits": {}}, version=1,
                  actor=ctx.actor.model_dump(mode="json"), origin=ctx.origin.model_dump(mode="json"))
    result = await ctx.session.execute(
        workflow_instances.insert().values(created_at=ctx.now, updated_at=ctx.now, **values)
    )
    return Instance(id=int(result.inserted_primary_key[0]), **values)  # type: ignore[arg-type]


async def load(ctx: ActionContext, instance_id: int) -> Instance:
    row = (await ctx.session.execute(
        sa.select(workflow_instances).where(workflow_instances.c.id == instance_id)
    )).one_or_none()
    if row is None:
        raise ActionRejected(f"There is no workflow {to_ref(instance_id)}.", private=True)
    return Instance(id=row.id, workflow=row.workflow, state=row.state, status=row.status,
                    waiting_on=row.waiting_on, context=dict(row.context), actor=dict(row.actor),
                    origin=dict(row.origin), version=row.version)


async def save(ctx: ActionContext, instance: Instance) -> None:
    """Compare-and-set: fails (and the transaction rolls back) if another step got there first."""
    result = await ctx.session.execute(
        workflow_instances.update()
        .where(workflow_instances.c.id == instance.id, workflow_instances.c.version == instance.version)
        .values(state=instance.state, status=instance.status, waiting_on=instance.waiting_on,
                context=instance.context, version=instance.version + 1, updated_at=ctx.now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConnectorError(f"workflow {instance.ref} changed meanwhile; the step was not applied")
    instance.version += 1


async def record(ctx: ActionContext, instance: Instance, outcome: str, detail: dict[str, Any]) -> None:
    await ctx.session.execute(workflow_events.insert().values(
        instance_id=instance.id, state=instance.state, outcome=outcome, detail=_jsonable(detail), at=ctx.now,
    ))


async def advance(ctx: ActionContext, workflow: Workflow, instance: Instance,
                  outcome: str | None = None, data: dict[str, Any] | None = None) -> list[Notice]:
    """Run states until the instance ends or waits; ``outcome`` completes the current state first."""
    notices: list[Notice] = []
    if outcome is not None:
        await _complete(ctx, workflow, instance, outcome, data or {})
    for _ in range(MAX_STEPS):
        if instance.status != "running":
            break
        state = workflow.states[instance.state]
        if state.end:
            instance.status = state.status
            instance.context["message"] = _safe_render(state.message, instance) or f"{instance.ref} ended."
            await record(ctx, instance, "end", {"status": state.status})
            break
        if state.wait:
            instance.status, instance.waiting_on = "waiting", "signal:" + ",".join(state.wait)
            await record(ctx, instance, "waiting", {"for": list(state.wait)})
            break
        result = await _run_action(ctx, instance, workflow)
        notices.extend(result.notices)
        if result.status == "pending":
            instance.status = "waiting"
            instance.waiting_on = str(result.data.get("request_id") or result.data.get("id") or "action")
            await record(ctx, instance, "pending", result.data)
            break
        await _complete(ctx, workflow, instance, result.status, result.data)
    else:
        instance.status = "failed"
        instance.context["message"] = f"{instance.ref} stopped after {MAX_STEPS} steps (a loop?)."
    await save(ctx, instance)
    return notices


async def _complete(ctx: ActionContext, workflow: Workflow, instance: Instance,
                    outcome: str, data: dict[str, Any]) -> None:
    """Record the outcome of the current state and follow the first matching transition."""
    instance.context.setdefault("steps", {})[instance.state] = _jsonable({"outcome": outcome, **data})
    await record(ctx, instance, outcome, data)
    instance.status, instance.waiting_on = "running", None
    try:
        target = _choose(workflow, instance, outcome)
    except ExpressionError as exc:
        target, instance.context["error"] = None, exc.message
    if target is None:
        instance.status = "failed"
        instance.context["message"] = instance.context.get("error") or (
            f"{instance.ref}: no transition from {instance.state!r} for {outcome!r}.")
        return
    instance.state = target


def _choose(workflow: Workflow, instance: Instance, outcome: str) -> str | None:
    variables = {**instance.variables(), "outcome": outcome}
    for transition in workflow.states[instance.state].transitions:
        if transition.result is not None and outcome not in transition.result:
            continue
        if transition.when is not None and not evaluate(transition.when, variables):
            continue
        return transition.to
    return None


async def _run_action(ctx: ActionContext, instance: Instance, workflow: Workflow) -> ActionResult:
    """Run the state's action as the instance's initiator; a refusal becomes the outcome ``failed``."""
    state = workflow.states[instance.state]
    visits = instance.context.setdefault("visits", {})
    visits[instance.state] = visits.get(instance.state, 0) + 1
    sub = dataclasses.replace(
        ctx, actor=Actor.model_validate(instance.actor), origin=Address.model_validate(instance.origin),
        interaction=None, idempotency_key=f"workflow:{instance.ref}:{instance.state}:{visits[instance.state]}",
        extra={"callback": {"action": RESUME, "args": {"instance": instance.ref, "state": instance.state}}},
    )
    assert state.action is not None
    try:
        args = render(state.args, instance.variables())
        async with ctx.session.begin_nested():
            return await ctx.run(Action(type=state.action, args=args), sub)
    except (BotError, ValidationError) as exc:
        return ActionResult(action=state.action, status="failed", data={"error": _message(exc)})


def end_notice(instance: Instance) -> Notice:
    return Notice(to=Address.model_validate(instance.origin),
                  reply=Reply(text=str(instance.context.get("message", ""))), key=f"workflow:{instance.ref}:end")


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
    return str(exc)


def _safe_render(template: str, instance: Instance) -> str:
    try:
        return str(render(template, instance.variables()))
    except ExpressionError as exc:
        return exc.message


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_default))


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
