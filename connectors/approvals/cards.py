"""Cards and notices of approval requests: what approvers and requesters see."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.models import Address, Button, Card, Notice, Reply
from connectors.approvals.store import Loaded, aware

TITLES = {
    "pending": "Approval requested",
    "approved": "Approved",
    "rejected": "Rejected",
    "cancelled": "Withdrawn",
    "expired": "Expired",
}


def _when(value: datetime | None) -> str:
    value = aware(value)
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _amount(row: Any) -> str:
    if row.amount is None:
        return ""
    return f"{row.amount:,.2f} {row.currency or ''}".strip()


def _base_fields(loaded: Loaded) -> list[tuple[str, str]]:
    row = loaded.row
    requester = (row.requester_actor or {}).get("name") or row.requester
    fields = [("Request", loaded.ref), ("Subject", row.subject), ("Requested by", requester)]
    if row.amount is not None:
        fields.append(("Amount", _amount(row)))
    if row.reason:
        fields.append(("Reason", row.reason))
    return fields


def _approvals_so_far(loaded: Loaded) -> list[tuple[str, str]]:
    names = loaded.names()
    return [
        ("Approved by", f"{names.get(a.user, a.user)} ({_when(a.decided_at)})")
        for a in loaded.approvers if a.decision == "approved"
    ]


def request_card(loaded: Loaded) -> Card:
    """The approver's card: who asked for what, with Approve and Reject."""
    names = loaded.names()
    waiting = ", ".join(names[a.user] for a in loaded.approvers if a.step == loaded.row.step and a.decision is None)
    value = json.dumps({"request_id": loaded.ref})
    rule = {"any": "any one of", "all": "all of"}.get(loaded.row.mode, "")
    return Card(
        title=f"{TITLES['pending']}: {loaded.row.subject}",
        fields=(*_base_fields(loaded), *_approvals_so_far(loaded), ("Waiting on", f"{rule} {waiting}".strip())),
        buttons=(
            Button(label="Approve", action_id="approval.approve", value=value, style="primary"),
            Button(label="Reject", action_id="approval.reject", value=value, style="danger"),
        ),
        footer=f"{loaded.ref} · requested {_when(loaded.row.created_at)}",
    )


def decided_card(loaded: Loaded) -> Card:
    """A final (or step-completed) card: no buttons, who decided and when."""
    row = loaded.row
    fields = [*_base_fields(loaded), *_approvals_so_far(loaded)]
    if row.state == "pending":
        return Card(title=f"Step approved: {row.subject}", fields=tuple(fields),
                    text="Waiting on the next approver.", footer=loaded.ref)
    who = loaded.names().get(row.decided_by or "", row.decided_by or "")
    if row.state == "cancelled":
        who = (row.requester_actor or {}).get("name") or row.requester
    if row.state in ("rejected", "cancelled") and who:
        fields.append((f"{TITLES[row.state]} by", who))
    fields.append(("When", _when(row.decided_at)))
    if row.comment:
        fields.append(("Comment", row.comment))
    return Card(title=f"{TITLES[row.state]}: {row.subject}", fields=tuple(fields), footer=loaded.ref)


def card_key(loaded: Loaded, version: int | None = None) -> str:
    key = f"approval:{loaded.ref}:card:{loaded.row.step}"
    return f"{key}:v{version}" if version else key


def card_notice(loaded: Loaded, *, key: str) -> Notice:
    """The approver's card, posted in the thread where the request was asked."""
    return Notice(to=Address.model_validate(loaded.row.origin), reply=Reply(card=request_card(loaded)), key=key)


def result_notice(loaded: Loaded) -> Notice:
    """Tells the requester the outcome, in the thread of the request; one per request."""
    row = loaded.row
    requester = (row.requester_actor or {}).get("name") or row.requester
    who = loaded.names().get(row.decided_by or "", row.decided_by or "")
    text = {
        "approved": f"{requester}, your request {loaded.ref} ({row.subject}) was approved by {who}.",
        "rejected": f"{requester}, your request {loaded.ref} ({row.subject}) was rejected by {who}.",
        "expired": f"{requester}, your request {loaded.ref} ({row.subject}) expired without a decision.",
        "cancelled": f"Request {loaded.ref} ({row.subject}) was withdrawn.",
    }[row.state]
    if row.comment and row.state in ("approved", "rejected"):
        text += f' Comment: "{row.comment}"'
    return Notice(to=Address.model_validate(row.origin), reply=Reply(text=text, card=decided_card(loaded)),
                  key=f"approval:{loaded.ref}:result")


def closed_card_notice(loaded: Loaded, *, card: str) -> Notice:
    """Replaces the approver's open card once the request closed without a click on it."""
    return Notice(to=Address.model_validate(loaded.row.origin), reply=Reply(card=decided_card(loaded), replace=True),
                  key=f"{card}:closed", update_of=card)


def reminder_notice(loaded: Loaded, count: int) -> Notice:
    names = loaded.names()
    waiting = ", ".join(names[a.user] for a in loaded.approvers if a.step == loaded.row.step and a.decision is None)
    return Notice(
        to=Address.model_validate(loaded.row.origin),
        reply=Reply(text=f"Reminder for {waiting}: {loaded.ref} is waiting on your decision.",
                    card=request_card(loaded)),
        key=f"approval:{loaded.ref}:reminder:{count}",
    )


def list_card(title: str, rows: list[tuple[str, str]]) -> Card:
    if not rows:
        return Card(title=title, text="Nothing here.")
    return Card(title=title, fields=tuple(rows))
