"""Argument models of the built-in intents, exactly as spec/actions.md lists them.

The generator reads these models to know which arguments an action has, which are
required and what type each value must have; a decoded action is validated
against them before it leaves the NLU. Connectors keep their own models with the
same field names.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

PERSON = {"x-kind": "person"}
"""Marks a field whose value is a person (an email address or a chat mention)."""
CURRENCY = {"x-kind": "currency"}
"""Marks a field whose value is an ISO 4217 code."""
PHONE = {"x-kind": "phone"}
"""Marks a field whose value is a phone number, copied whole as written."""
DATE = {"x-kind": "date"}
"""Marks a field whose value is a calendar date, written out as ISO ``YYYY-MM-DD``."""

FormName = Literal["customer", "order", "expense", "timesheet", "ticket"]


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomerFields(_Args):
    name: str | None = None
    email: str | None = Field(None, json_schema_extra=PERSON)
    phone: str | None = Field(None, json_schema_extra=PHONE)
    company: str | None = None
    tier: str | None = None


class OrderFields(_Args):
    customer: str | None = None
    product: str | None = None
    quantity: float | None = None
    unit_price: float | None = None


class ExpenseFields(_Args):
    amount: float | None = None
    currency: str | None = Field(None, json_schema_extra=CURRENCY)
    category: str | None = None
    description: str | None = None


class TimesheetFields(_Args):
    project: str | None = None
    hours: float | None = None
    date: str | None = Field(None, json_schema_extra=DATE)


class TicketFields(_Args):
    customer: str | None = None
    order_id: str | None = None
    issue: str | None = None
    priority: str | None = None


FORMS: dict[str, type[BaseModel]] = {
    "customer": CustomerFields,
    "order": OrderFields,
    "expense": ExpenseFields,
    "timesheet": TimesheetFields,
    "ticket": TicketFields,
}
"""Built-in forms: the keys a record's ``fields``/``filters`` object may hold."""


class ApprovalRequestArgs(_Args):
    approver: str = Field(json_schema_extra=PERSON)
    subject: str
    amount: float | None = None
    currency: str | None = Field(None, json_schema_extra=CURRENCY)
    reason: str | None = None


class ApprovalListArgs(_Args):
    scope: Literal["mine", "requested"] | None = None


class ApprovalCancelArgs(_Args):
    request_id: str | None = None


class EmailSendArgs(_Args):
    to: list[str] = Field(json_schema_extra=PERSON)
    subject: str | None = None
    body: str | None = None


class RecordCreateArgs(_Args):
    form: FormName
    fields: dict[str, Any] = Field(default_factory=dict, json_schema_extra={"x-forms": "form"})


class RecordQueryArgs(_Args):
    form: FormName
    filters: dict[str, Any] = Field(default_factory=dict, json_schema_extra={"x-forms": "form"})


class NoArgs(_Args):
    pass


BUILTIN_SCHEMAS: dict[str, type[BaseModel]] = {
    "approval.request": ApprovalRequestArgs,
    "approval.list": ApprovalListArgs,
    "approval.cancel": ApprovalCancelArgs,
    "email.send": EmailSendArgs,
    "record.create": RecordCreateArgs,
    "record.query": RecordQueryArgs,
    "help": NoArgs,
    "out_of_scope": NoArgs,
}


class ReceiptReadArgs(_Args):
    amount: float | None = None
    currency: str | None = Field(None, json_schema_extra=CURRENCY)
    merchant: str | None = None
    date: str | None = Field(None, json_schema_extra=DATE)


INTERNAL_SCHEMAS: dict[str, type[BaseModel]] = {"receipt.read": ReceiptReadArgs}
"""Actions the bot asks the generator for itself, never a user's intent: the intent
classifier does not learn them, so no message is ever classified as one. ``receipt.read``
reads a receipt's condensed text (:mod:`bot.receipt_reader`)."""


def _kind_of(values: list[Any], name: str = "Object") -> Any:
    if values and all(isinstance(v, bool) for v in values):
        return bool | None
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return float | None
    if values and all(isinstance(v, list) for v in values):
        return list[str] | None
    if values and all(isinstance(v, dict) for v in values):
        return derive_schema(name, values) | None
    return str | None


def derive_schema(intent: str, arg_dicts: list[dict[str, Any]]) -> type[BaseModel]:
    """A permissive model for a user intent that has none, from the arguments seen in data.

    Every argument is optional (the data cannot say which ones are required) and its
    type is the one all examples agree on, ``str`` otherwise.
    """
    seen: dict[str, list[Any]] = {}
    for args in arg_dicts:
        for name, value in args.items():
            seen.setdefault(name, []).append(value)
    fields: dict[str, Any] = {
        name: (_kind_of(vals, f"{intent}.{name}"), None) for name, vals in sorted(seen.items())
    }
    model_name = "".join(p.capitalize() for p in intent.replace("-", ".").replace("_", ".").split("."))
    return create_model(f"{model_name or 'Intent'}Args", __base__=_Args, **fields)


def schemas_for(shapes: dict[str, list[dict[str, Any]]]) -> dict[str, type[BaseModel]]:
    """Built-in and internal models plus a derived model for every user intent seen in training."""
    derived = {intent: derive_schema(intent, arg_dicts) for intent, arg_dicts in shapes.items()}
    return {**derived, **BUILTIN_SCHEMAS, **INTERNAL_SCHEMAS}
