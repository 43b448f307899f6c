"""WorkflowsConnector: start declarative workflows, resume them on decisions, signal waiting ones."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationError, create_model
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import ActionRejected, ConfigError
from bot.models import ActionResult, Actor, Address, Card
from connectors.base import ActionContext, Connector, ConnectorConfig, Outbox, action
from connectors.workflows import engine
from connectors.workflows.scheduled import approval_state, closed_approvals, scheduled_context
from connectors.workflows.spec import Input, Workflow
from connectors.workflows.validate import WorkflowError, load_workflow

EXAMPLES = Path(__file__).resolve().parent
STATUS: dict[str, Literal["done", "pending", "rejected", "failed", "cancelled"]] = {
    "waiting": "pending", "running": "pending", "done": "done", "rejected": "rejected",
    "failed": "failed", "cancelled": "cancelled",
}
_TYPES: dict[str, Any] = {"text": str, "number": float, "integer": int, "boolean": bool,
                          "email": EmailStr, "object": dict, "list": list}


class WorkflowsConfig(ConnectorConfig):
    workflows_dir: Path | None = None


class StartArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workflow: str = Field(min_length=1, max_length=128)
    inputs: dict[str, Any] = Field(default_factory=dict)


class ResumeArgs(BaseModel):
    """Sent by a connector whose pending action (an approval) has finished."""

    model_config = ConfigDict(extra="forbid")

    instance: str
    state: str
    outcome: str
    data: dict[str, Any] = Field(default_factory=dict)


class SignalArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instance: str
    event: str = Field(min_length=1, max_length=64)
    data: dict[str, Any] = Field(default_factory=dict)


class StatusArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instance: str


def load_all(folder: Path | None) -> dict[str, Workflow]:
    """The example workflows, then every ``*.yaml`` in ``folder`` (same name: the folder wins)."""
    found: dict[str, Workflow] = {}
    for directory in [EXAMPLES, *([folder] if folder else [])]:
        for path in sorted(directory.glob("*.y*ml")):
            try:
                workflow = load_workflow(path)
            except WorkflowError as exc:
                raise ConfigError("FLOWDESK_WORKFLOWS_DIR", str(exc)) from None
            found[workflow.name] = workflow
    return found


class WorkflowsConnector(Connector):
    """Declarative multi-step processes, persisted and resumable."""

    name = "workflows"
    Config = WorkflowsConfig
    config: WorkflowsConfig

    def __init__(self, *, config: ConnectorConfig) -> None:
        super().__init__(config=config)
        self.workflows = load_all(self.config.workflows_dir)

    @action("workflow.start", args=StartArgs, ask={"workflow": "Which workflow should I start?"})
    async def start_workflow(self, ctx: ActionContext, args: StartArgs) -> ActionResult:
        """Start a multi-step workflow (expense claim, customer order, ...)."""
        workflow = self.workflows.get(args.workflow)
        if workflow is None:
            raise ActionRejected(f"There is no workflow {args.workflow!r}; "
                                 f"workflows: {', '.join(sorted(self.workflows))}.")
        instance = await engine.create(ctx, workflow, _inputs(workflow, args.inputs))
        notices = await engine.advance(ctx, workflow, instance)
        return _result("workflow.start", instance, notices, final_notice=False)

    @action("workflow.resume", args=ResumeArgs, internal=True)
    async def resume(self, ctx: ActionContext, args: ResumeArgs) -> ActionResult:
        """Continue an instance whose pending step finished (called by the approvals connector).

        The outcome must match what the approvals table recorded, so a forged
        call cannot skip an approval.
        """
        instance = await engine.load(ctx, engine.from_ref(args.instance))
        waited = args.data.get("request_id")
        recorded = await approval_state(ctx.session, instance.waiting_on or "")
        if instance.status != "waiting" or instance.state != args.state or (waited and waited != instance.waiting_on) \
                or recorded not in (None, args.outcome):
            return ActionResult(action="workflow.resume", status=STATUS[instance.status],
                                summary=f"{instance.ref} is not waiting for that.", data=_data(instance))
        notices = await engine.advance(ctx, self._workflow(instance), instance, args.outcome, args.data)
        return _result("workflow.resume", instance, notices, final_notice=True)

    @action("workflow.signal", args=SignalArgs, ask={"instance": "Which workflow (e.g. WF-1001)?"})
    async def signal(self, ctx: ActionContext, args: SignalArgs) -> ActionResult:
        """Tell a waiting workflow that something happened (a complaint, a closure, ...)."""
        instance = await engine.load(ctx, engine.from_ref(args.instance))
        waiting = (instance.waiting_on or "").removeprefix("signal:").split(",")
        if instance.status != "waiting" or not (instance.waiting_on or "").startswith("signal:") \
                or args.event not in waiting:
            raise ActionRejected(f"{instance.ref} is not waiting for {args.event!r}.", private=True)
        instance.context["signal"] = {"event": args.event, "by": ctx.actor.user, **args.data}
        notices = await engine.advance(ctx, self._workflow(instance), instance, args.event, {"by": ctx.actor.user})
        return _result("workflow.signal", instance, notices, final_notice=False)

    @action("workflow.status", args=StatusArgs)
    async def status(self, ctx: ActionContext, args: StatusArgs) -> ActionResult:
        """Where a workflow instance stands."""
        instance = await engine.load(ctx, engine.from_ref(args.instance))
        return ActionResult(action="workflow.status", status=STATUS[instance.status], data=_data(instance),
                            summary=f"{instance.ref} ({instance.workflow}) is {instance.status} at {instance.state}.",
                            card=Card(title=f"{instance.ref} · {instance.workflow}",
                                      fields=(("State", instance.state), ("Status", instance.status))))

    async def tick(self, session: AsyncSession, *, now: datetime, outbox: Outbox) -> list[Any]:
        """Resume instances whose approval closed without a click (expired): the outcome is ``expired``."""
        notices: list[Any] = []
        for instance_id, outcome, data in await closed_approvals(session):
            ctx = scheduled_context(session, now=now, outbox=outbox)
            instance = await engine.load(ctx, instance_id)
            ctx = replace(ctx, actor=Actor.model_validate(instance.actor), origin=Address.model_validate(instance.origin))
            found = await engine.advance(ctx, self._workflow(instance), instance, outcome, data)
            notices += [*found, engine.end_notice(instance)] if instance.status != "waiting" else found
        return notices

    def _workflow(self, instance: engine.Instance) -> Workflow:
        workflow = self.workflows.get(instance.workflow)
        if workflow is None:
            raise ConfigError("FLOWDESK_WORKFLOWS_DIR", f"workflow {instance.workflow!r} is no longer configured")
        return workflow


def _inputs(workflow: Workflow, values: dict[str, Any]) -> dict[str, Any]:
    """Validate the inputs with a model generated from the workflow's ``inputs``."""
    fields = {name: _input_field(spec) for name, spec in workflow.inputs.items()}
    model = create_model(f"{workflow.name}_inputs", __config__=ConfigDict(extra="forbid"), **fields)
    try:
        return model.model_validate(values).model_dump(mode="json")
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise ActionRejected(f"{workflow.name} input {where}: {error['msg']}") from None


def _input_field(spec: Input) -> tuple[Any, Any]:
    kind = _TYPES[spec.type]
    return (kind, ...) if spec.required else (kind | None, spec.default)


def _data(instance: engine.Instance) -> dict[str, Any]:
    return {"instance": instance.ref, "workflow": instance.workflow, "state": instance.state,
            "status": instance.status, "waiting_on": instance.waiting_on}


def _result(name: str, instance: engine.Instance, notices: list[Any], *, final_notice: bool) -> ActionResult:
    finished = instance.status not in ("waiting", "running")
    if finished and final_notice:
        notices = [*notices, engine.end_notice(instance)]
    summary = instance.context.get("message") if finished else (
        f"{instance.ref} ({instance.workflow}) is waiting at {instance.state}.")
    return ActionResult(action=name, status=STATUS[instance.status], summary=str(summary),
                        data=_data(instance), notices=tuple(notices))
