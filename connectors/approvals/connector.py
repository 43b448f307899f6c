"""ApprovalsConnector: request, decide, reassign, list and withdraw approval requests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import ConnectorError
from bot.models import Action, ActionResult
from connectors.approvals import cards, machine, store
from connectors.approvals.models import CancelArgs, DecideArgs, ListArgs, ReassignArgs, RequestArgs, from_ref
from connectors.approvals.scheduler import run_schedule
from connectors.base import ActionContext, Connector, ConnectorConfig, Outbox, action

CAS_RETRIES = 8
STATUS: dict[str, Literal["done", "pending", "rejected", "cancelled", "failed"]] = {
    "approved": "done", "pending": "pending", "rejected": "rejected", "cancelled": "cancelled", "expired": "failed",
}


class ApprovalsConfig(ConnectorConfig):
    approval_remind_after_hours: float = 24.0
    approval_expire_after_hours: float = 24.0 * 7


class ApprovalsConnector(Connector):
    """Persisted approval requests; only the named approver decides, once."""

    name = "approvals"
    Config = ApprovalsConfig
    config: ApprovalsConfig

    @action("approval.request", args=RequestArgs,
            ask={"approver": "Who should approve it?", "subject": "What should be approved?"})
    async def request(self, ctx: ActionContext, args: RequestArgs) -> ActionResult:
        """Ask someone to approve something."""
        people = [await ctx.resolve_person(p) for p in args.everyone()]
        chain = args.mode == "chain"
        slots = [(i if chain else 0, p.user, p.name) for i, p in enumerate(people)]
        if len({user for _, user, _ in slots}) != len(slots):
            raise machine.NotApprover("Each approver can be named only once.")
        approval_id = await store.create(ctx.session, values=self._values(ctx, args), approvers=slots,
                                         actor=ctx.actor.user, now=ctx.now)
        loaded = await store.load(ctx.session, approval_id)
        names = ", ".join(p.name or p.user for p in people)
        return ActionResult(
            action="approval.request", status="pending",
            summary=f"I asked {names} to approve {args.subject} ({loaded.ref}).",
            data={"request_id": loaded.ref, "state": "pending"},
            notices=(cards.card_notice(loaded, key=cards.card_key(loaded)),),
        )

    def _values(self, ctx: ActionContext, args: RequestArgs) -> dict[str, Any]:
        expire = args.expires_in_hours or self.config.approval_expire_after_hours
        remind = args.remind_after_hours or self.config.approval_remind_after_hours
        return dict(
            subject=args.subject, amount=args.amount, currency=args.currency, reason=args.reason,
            mode=args.mode, requester=ctx.actor.user, requester_actor=ctx.actor.model_dump(mode="json"),
            origin=ctx.origin.model_dump(mode="json"), callback=ctx.extra.get("callback"),
            expires_at=ctx.now + timedelta(hours=expire), remind_at=ctx.now + timedelta(hours=remind),
        )

    @action("approval.approve", args=DecideArgs, internal=True)
    async def approve(self, ctx: ActionContext, args: DecideArgs) -> ActionResult:
        """The Approve button: the clicking user must be the current approver."""
        return await self._decide(ctx, args, "approved")

    @action("approval.reject", args=DecideArgs, internal=True)
    async def reject(self, ctx: ActionContext, args: DecideArgs) -> ActionResult:
        """The Reject button."""
        return await self._decide(ctx, args, "rejected")

    async def _decide(self, ctx: ActionContext, args: DecideArgs,
                      decision: Literal["approved", "rejected"]) -> ActionResult:
        approval_id = from_ref(args.request_id)
        outcome = await _apply(ctx, approval_id, args.request_id, args.comment,
                               lambda snap: machine.decide(snap, ctx.actor.user, decision))
        loaded = await store.load(ctx.session, approval_id)
        notices = [cards.result_notice(loaded)] if outcome.is_final else []
        if outcome.advanced:
            notices.append(cards.card_notice(loaded, key=cards.card_key(loaded)))
        card = cards.request_card(loaded) if loaded.row.state == "pending" and not outcome.advanced \
            else cards.decided_card(loaded)
        result = ActionResult(
            action=f"approval.{'approve' if decision == 'approved' else 'reject'}",
            status=STATUS[loaded.row.state], summary=f"{loaded.ref} is {loaded.row.state}.",
            data=_data(loaded), card=card, replace=True, notices=tuple(notices),
        )
        return await _callback(ctx, loaded, result) if outcome.is_final else result

    @action("approval.cancel", args=CancelArgs, ask={"request_id": "Which request (e.g. APR-1042)?"})
    async def cancel(self, ctx: ActionContext, args: CancelArgs) -> ActionResult:
        """Withdraw a request I made."""
        approval_id = from_ref(args.request_id)
        await _apply(ctx, approval_id, args.request_id, args.comment,
                     lambda snap: machine.cancel(snap, ctx.actor.user))
        loaded = await store.load(ctx.session, approval_id)
        result = ActionResult(
            action="approval.cancel", status="done", summary=f"{loaded.ref} is withdrawn.", data=_data(loaded),
            card=cards.decided_card(loaded),
            notices=(cards.closed_card_notice(loaded, card=cards.card_key(loaded)),),
        )
        return await _callback(ctx, loaded, result)

    @action("approval.reassign", args=ReassignArgs, ask={"to": "Who should decide instead?"})
    async def reassign(self, ctx: ActionContext, args: ReassignArgs) -> ActionResult:
        """Hand an approval to someone else (delegation)."""
        approval_id = from_ref(args.request_id)
        person = await ctx.resolve_person(args.to)
        outcome = await _apply(ctx, approval_id, args.request_id, args.comment,
                               lambda snap: machine.reassign(snap, ctx.actor.user, person.user),
                               names={person.user: person.name or person.user})
        loaded = await store.load(ctx.session, approval_id)
        key = cards.card_key(loaded, version=loaded.row.version)
        return ActionResult(
            action="approval.reassign", status="pending", data=_data(loaded),
            summary=f"{loaded.ref} now waits on {person.name or person.user} ({outcome.event}).",
            notices=(cards.card_notice(loaded, key=key),),
        )

    @action("approval.list", args=ListArgs)
    async def list_requests(self, ctx: ActionContext, args: ListArgs) -> ActionResult:
        """Approvals waiting on me, or the ones I asked for."""
        if args.scope == "mine":
            rows, title = await store.waiting_on(ctx.session, ctx.actor.user), "Waiting on your decision"
        else:
            rows, title = await store.requested_by(ctx.session, ctx.actor.user), "Your requests"
        items = [(store.to_ref(r.id), f"{r.subject} · {r.state}") for r in rows]
        return ActionResult(action="approval.list", summary=f"{len(items)} request(s).",
                            data={"requests": [ref for ref, _ in items]}, card=cards.list_card(title, items),
                            private=True)

    async def tick(self, session: AsyncSession, *, now: datetime, outbox: Outbox) -> list[Any]:
        """Reminders and expiries, run by the background worker."""
        return await run_schedule(
            session, now=now, remind_every=timedelta(hours=self.config.approval_remind_after_hours)
        )


async def _apply(ctx: ActionContext, approval_id: int, ref: str, comment: str | None,
                 event: Any, names: dict[str, str] | None = None) -> machine.Outcome:
    """Load, apply ``event`` and compare-and-set; a lost race re-reads and tries again."""
    for _ in range(CAS_RETRIES):
        loaded = await store.load(ctx.session, approval_id, ref)
        outcome: machine.Outcome = event(loaded.snapshot())
        if await store.apply(ctx.session, loaded, outcome, actor=ctx.actor.user, now=ctx.now,
                             comment=comment, names=names):
            return outcome
    raise ConnectorError(f"{ref} is changing too often; please try again.")


def _data(loaded: store.Loaded) -> dict[str, Any]:
    row = loaded.row
    return {"request_id": loaded.ref, "state": row.state, "decided_by": row.decided_by, "comment": row.comment}


async def _callback(ctx: ActionContext, loaded: store.Loaded, result: ActionResult) -> ActionResult:
    """Tell whoever started the request (a workflow) how it ended; their notices join ours."""
    callback = loaded.row.callback
    if not callback:
        return result
    args = {**callback.get("args", {}), "outcome": loaded.row.state, "data": _data(loaded)}
    follow = await ctx.run(Action(type=callback["action"], args=args), ctx)
    return result.model_copy(update={"notices": result.notices + follow.notices})
