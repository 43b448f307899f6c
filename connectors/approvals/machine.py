"""The approval state machine, pure: pending -> approved / rejected / cancelled / expired.

Kept free of I/O so every rule is checked by property-based tests; the store
applies an ``Outcome`` with a compare-and-set on the row's version.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from bot.errors import ActionRejected

State = Literal["pending", "approved", "rejected", "cancelled", "expired"]
Mode = Literal["chain", "any", "all"]
FINAL: frozenset[str] = frozenset({"approved", "rejected", "cancelled", "expired"})


class NotApprover(ActionRejected):
    """Someone who is not the approver (now) clicked Approve or Reject."""

    def __init__(self, message: str) -> None:
        super().__init__(message, private=True)


class AlreadyDecided(ActionRejected):
    """The request is final, or this approver has already decided."""

    def __init__(self, message: str, *, state: str) -> None:
        super().__init__(message, private=True)
        self.state = state


@dataclass(frozen=True)
class Slot:
    step: int
    user: str
    decision: str | None = None


@dataclass(frozen=True)
class Snapshot:
    """What the machine needs to know about one request."""

    state: str
    mode: Mode
    step: int
    slots: tuple[Slot, ...]
    requester: str

    @property
    def steps(self) -> int:
        return 1 + max((s.step for s in self.slots), default=0)

    def current(self) -> tuple[Slot, ...]:
        """Approvers who may decide now."""
        return tuple(s for s in self.slots if s.step == self.step and s.decision is None)


@dataclass(frozen=True)
class Outcome:
    """The result of one event: the new snapshot and what happened."""

    before: Snapshot
    after: Snapshot
    event: str

    @property
    def is_final(self) -> bool:
        return self.after.state in FINAL

    @property
    def advanced(self) -> bool:
        """A later step of a chain opened (its approvers get a card)."""
        return self.after.state == "pending" and self.after.step != self.before.step


def _require_pending(snap: Snapshot) -> None:
    if snap.state in FINAL:
        raise AlreadyDecided(f"This request is already {snap.state}; a decision is final.", state=snap.state)


def decide(snap: Snapshot, user: str, decision: Literal["approved", "rejected"]) -> Outcome:
    """Apply one approver's decision; raises when ``user`` may not decide now."""
    _require_pending(snap)
    slot = next((s for s in snap.current() if s.user == user), None)
    if slot is None:
        if any(s.user == user and s.step == snap.step and s.decision for s in snap.slots):
            raise AlreadyDecided("You have already decided on this request.", state=snap.state)
        raise NotApprover("Only the named approver can decide on this request.")
    slots = tuple(replace(s, decision=decision) if s == slot else s for s in snap.slots)
    after = replace(snap, slots=slots)
    if decision == "rejected":
        return Outcome(snap, replace(after, state="rejected"), "rejected")
    step_done = snap.mode != "all" or all(s.decision == "approved" for s in slots if s.step == snap.step)
    if not step_done:
        return Outcome(snap, after, "approved_part")
    if snap.mode == "chain" and snap.step + 1 < snap.steps:
        return Outcome(snap, replace(after, step=snap.step + 1), "approved_step")
    return Outcome(snap, replace(after, state="approved"), "approved")


def cancel(snap: Snapshot, user: str) -> Outcome:
    """Withdraw a request: only the requester, only while pending."""
    if user != snap.requester:
        raise NotApprover("Only the person who asked can withdraw this request.")
    _require_pending(snap)
    return Outcome(snap, replace(snap, state="cancelled"), "cancelled")


def expire(snap: Snapshot) -> Outcome:
    _require_pending(snap)
    return Outcome(snap, replace(snap, state="expired"), "expired")


def reassign(snap: Snapshot, user: str, to: str) -> Outcome:
    """Hand an undecided slot of the current step to ``to``.

    The approver may delegate their own slot; the requester may reassign the
    (single) current approver's slot.
    """
    _require_pending(snap)
    current = snap.current()
    mine = next((s for s in current if s.user == user), None)
    if mine is None and user == snap.requester and len(current) == 1:
        mine = current[0]
    if mine is None:
        raise NotApprover("Only the current approver or the requester can reassign this request.")
    if any(s.user == to and s.step == snap.step for s in snap.slots):
        raise ActionRejected(f"{to} is already an approver of this step.", private=True)
    slots = tuple(replace(s, user=to) if s == mine else s for s in snap.slots)
    return Outcome(snap, replace(snap, slots=slots), "reassigned")
