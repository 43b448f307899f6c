"""The built-in intent inventory and each intent's argument schema (spec: actions.md).

Users may train any intent name; these schemas only describe the ones that ship.
"""

from __future__ import annotations

OUT_OF_SCOPE = "out_of_scope"

FORMS: dict[str, tuple[str, ...]] = {
    "customer": ("name", "email", "phone", "company", "tier"),
    "order": ("customer", "product", "quantity", "unit_price"),
    "expense": ("amount", "currency", "category", "description"),
    "timesheet": ("project", "hours", "date"),
    "ticket": ("customer", "order_id", "issue", "priority"),
}

# intent -> (required arguments, optional arguments)
SCHEMAS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "approval.request": (("approver", "subject"), ("amount", "currency", "reason")),
    "approval.list": ((), ("scope",)),
    "approval.cancel": ((), ("request_id",)),
    "email.send": (("to",), ("subject", "body")),
    "record.create": (("form",), ("fields",)),
    "record.query": (("form",), ("filters",)),
    "help": ((), ()),
    OUT_OF_SCOPE: ((), ()),
}

BUILTIN_INTENTS: tuple[str, ...] = tuple(SCHEMAS)


def allowed_args(intent: str) -> frozenset[str] | None:
    """Argument names a built-in intent may carry; None for user-defined intents (anything goes)."""
    schema = SCHEMAS.get(intent)
    if schema is None:
        return None
    required, optional = schema
    return frozenset(required + optional)
