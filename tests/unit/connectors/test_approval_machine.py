"""Property-based checks of the approval state machine's rules."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from connectors.approvals import machine
from connectors.approvals.machine import FINAL, Slot, Snapshot

USERS = ["req", "a", "b", "c", "x"]


class ApprovalRules(RuleBasedStateMachine):
    """Random clicks, withdrawals, expiries and reassignments against the pure machine."""

    @initialize(mode=st.sampled_from(["chain", "any", "all"]),
                approvers=st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3, unique=True))
    def start(self, mode: str, approvers: list[str]) -> None:
        steps = range(len(approvers)) if mode == "chain" else [0] * len(approvers)
        self.snap = Snapshot(state="pending", mode=mode, step=0, requester="req",  # type: ignore[arg-type]
                             slots=tuple(Slot(step=s, user=u) for s, u in zip(steps, approvers, strict=True)))
        self.final_seen: str | None = None

    def _apply(self, event: object) -> None:
        try:
            outcome = event()  # type: ignore[operator]
        except machine.AlreadyDecided:
            assert self.snap.state in FINAL or any(s.decision for s in self.snap.slots)
            return
        except machine.NotApprover:
            return
        except machine.ActionRejected:
            return
        assert self.snap.state == "pending", "a final request changed"
        self.snap = outcome.after

    @rule(user=st.sampled_from(USERS), decision=st.sampled_from(["approved", "rejected"]))
    def click(self, user: str, decision: str) -> None:
        before = self.snap
        allowed = {s.user for s in before.current()} if before.state == "pending" else set()
        self._apply(lambda: machine.decide(before, user, decision))  # type: ignore[arg-type]
        if user not in allowed:
            assert self.snap == before, "someone who may not decide changed the request"
        elif decision == "rejected":
            assert self.snap.state == "rejected"

    @rule(user=st.sampled_from(USERS))
    def withdraw(self, user: str) -> None:
        before = self.snap
        self._apply(lambda: machine.cancel(before, user))
        if user != "req":
            assert self.snap == before

    @rule()
    def expire(self) -> None:
        before = self.snap
        self._apply(lambda: machine.expire(before))

    @rule(user=st.sampled_from(USERS), to=st.sampled_from(["x", "c"]))
    def reassign(self, user: str, to: str) -> None:
        before = self.snap
        self._apply(lambda: machine.reassign(before, user, to))

    @invariant()
    def final_is_final(self) -> None:
        if self.final_seen is not None:
            assert self.snap.state == self.final_seen
        if self.snap.state in FINAL:
            self.final_seen = self.snap.state

    @invariant()
    def approved_means_everyone_needed_approved(self) -> None:
        if self.snap.state != "approved":
            return
        decisions = [s.decision for s in self.snap.slots]
        if self.snap.mode == "any":
            assert "approved" in decisions
        else:
            assert all(d == "approved" for d in decisions)


TestApprovalRules = ApprovalRules.TestCase
TestApprovalRules.settings = settings(max_examples=150, stateful_step_count=20, deadline=None)


def test_only_the_named_approver_decides() -> None:
    snap = Snapshot(state="pending", mode="chain", step=0, requester="req", slots=(Slot(0, "a"),))
    with pytest.raises(machine.NotApprover):
        machine.decide(snap, "req", "approved")
    outcome = machine.decide(snap, "a", "approved")
    assert outcome.after.state == "approved" and outcome.is_final
    with pytest.raises(machine.AlreadyDecided):
        machine.decide(outcome.after, "a", "rejected")


def test_a_chain_waits_for_its_next_approver() -> None:
    snap = Snapshot(state="pending", mode="chain", step=0, requester="req", slots=(Slot(0, "a"), Slot(1, "b")))
    with pytest.raises(machine.NotApprover):
        machine.decide(snap, "b", "approved")
    first = machine.decide(snap, "a", "approved")
    assert first.advanced and first.after.state == "pending" and first.after.step == 1
    assert machine.decide(first.after, "b", "approved").after.state == "approved"
