"""Argument models of the approval actions and the people-readable request ids (APR-1042)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.errors import NotFound

REF_OFFSET = 1000
_REF = re.compile(r"^\s*(?:APR)?[-\s#]*(\d+)\s*$", re.IGNORECASE)


def to_ref(approval_id: int) -> str:
    """The id people see and type; offset so the first request is not APR-1."""
    return f"APR-{approval_id + REF_OFFSET}"


def from_ref(ref: str) -> int:
    """Database id of ``APR-1042`` (also accepts ``apr 1042`` and ``1042``)."""
    match = _REF.match(ref or "")
    if match is None or int(match.group(1)) <= REF_OFFSET:
        raise NotFound(f"There is no approval request {ref!r}; ids look like APR-1042.", private=True)
    return int(match.group(1)) - REF_OFFSET


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RequestArgs(_Args):
    """``approval.request``: ``approver`` plus, for chains and sets, more ``approvers``."""

    approver: str = Field(min_length=1, max_length=256)
    subject: str = Field(min_length=1, max_length=2000)
    amount: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2)
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    reason: str | None = Field(default=None, max_length=4000)
    approvers: list[str] = Field(default_factory=list, max_length=20)
    mode: Literal["chain", "any", "all"] = "chain"
    """chain: one after another; any: the first of them decides; all: every one must approve."""
    expires_in_hours: float | None = Field(default=None, gt=0, le=24 * 365)
    remind_after_hours: float | None = Field(default=None, gt=0, le=24 * 365)

    @field_validator("currency")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value

    def everyone(self) -> list[str]:
        """The approvers in order, without repeats."""
        seen: list[str] = []
        for person in [self.approver, *self.approvers]:
            if person not in seen:
                seen.append(person)
        return seen


class DecideArgs(_Args):
    """``approval.approve`` / ``approval.reject``: the button value carries the request id."""

    request_id: str
    comment: str | None = Field(default=None, max_length=4000)


class ListArgs(_Args):
    scope: Literal["mine", "requested"] = "mine"


class CancelArgs(_Args):
    request_id: str
    comment: str | None = Field(default=None, max_length=4000)


class ReassignArgs(_Args):
    """Hand the current approver's part to someone else (delegation)."""

    request_id: str
    to: str = Field(min_length=1, max_length=256)
    comment: str | None = Field(default=None, max_length=4000)
