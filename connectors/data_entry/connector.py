"""DataEntryConnector: records of configured forms, validated, stored, queried and exported."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from bot.errors import ActionRejected
from bot.models import ActionResult, Card
from connectors.base import ActionContext, Connector, ConnectorConfig, action
from connectors.data_entry.csv_export import to_csv
from connectors.data_entry.forms import Form, load_forms
from connectors.tables import records

MAX_ROWS = 1000
SHOWN = 10


class DataEntryConfig(ConnectorConfig):
    forms_file: Path | None = None


class CreateArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    form: str = Field(min_length=1, max_length=64)
    fields: dict[str, Any] = Field(default_factory=dict)


class QueryArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    form: str = Field(min_length=1, max_length=64)
    filters: dict[str, Any] = Field(default_factory=dict)
    limit: int = Field(default=50, ge=1, le=MAX_ROWS)
    format: Literal["table", "csv"] = "table"


def record_ref(form: str, record_id: int) -> str:
    return f"{form.upper()[:3]}-{record_id}"


class DataEntryConnector(Connector):
    """Form records in the database; every value is a bound parameter, never SQL text."""

    name = "data_entry"
    Config = DataEntryConfig
    config: DataEntryConfig

    def __init__(self, *, config: ConnectorConfig) -> None:
        super().__init__(config=config)
        self.forms = load_forms(self.config.forms_file)

    def form(self, name: str) -> Form:
        form = self.forms.get(name.strip().lower())
        if form is None:
            raise ActionRejected(f"There is no form {name!r}; forms: {', '.join(sorted(self.forms))}.")
        return form

    @action("record.create", args=CreateArgs, ask={"form": "Which form (customer, order, expense, ...)?"})
    async def create(self, ctx: ActionContext, args: CreateArgs) -> ActionResult:
        """Enter a record into a form."""
        form = self.form(args.form)
        data = form.validate(args.fields)
        key = ctx.idempotency_key or None
        if key:
            existing = await ctx.session.scalar(sa.select(records.c.id).where(records.c.idempotency_key == key))
            if existing is not None:
                return self._created(form, existing, data)
        result = await ctx.session.execute(
            records.insert().values(form=form.name, data=data, created_by=ctx.actor.user,
                                    created_at=ctx.now, idempotency_key=key)
        )
        return self._created(form, int(result.inserted_primary_key[0]), data)

    def _created(self, form: Form, record_id: int, data: dict[str, Any]) -> ActionResult:
        ref = record_ref(form.name, record_id)
        fields = tuple((k, str(v)) for k, v in data.items())
        return ActionResult(action="record.create", summary=f"Saved {form.name} {ref}.",
                            data={"id": record_id, "ref": ref, "form": form.name, "fields": data},
                            card=Card(title=f"New {form.name} {ref}", fields=fields))

    @action("record.query", args=QueryArgs, ask={"form": "Which form should I look in?"})
    async def query(self, ctx: ActionContext, args: QueryArgs) -> ActionResult:
        """Look records up; ``format=csv`` exports them."""
        form = self.form(args.form)
        rows = await self.find(ctx, form, args.filters, limit=args.limit)
        data: dict[str, Any] = {"form": form.name, "count": len(rows), "records": rows}
        if args.format == "csv":
            data["csv"] = to_csv(form.columns, rows)
        shown = [(record_ref(form.name, r["id"]), _line(form, r)) for r in rows[:SHOWN]]
        more = f"{len(rows) - SHOWN} more not shown." if len(rows) > SHOWN else ""
        return ActionResult(action="record.query", summary=f"{len(rows)} {form.name} record(s).", data=data,
                            card=Card(title=f"{form.name} records", fields=tuple(shown),
                                      text=more or ("" if rows else "No records match.")))

    async def find(self, ctx: ActionContext, form: Form, filters: dict[str, Any], *, limit: int) -> list[dict[str, Any]]:
        """Records of ``form`` whose fields equal ``filters`` (text compared case-insensitively)."""
        wanted = form.validate(filters, partial=True)
        query = sa.select(records).where(records.c.form == form.name)
        for name, value in wanted.items():
            query = query.where(_equals(form, name, value))
        query = query.order_by(records.c.id).limit(limit)
        return [
            {"id": r.id, **r.data, "created_by": r.created_by, "created_at": _iso(r.created_at)}
            for r in (await ctx.session.execute(query)).all()
        ]


def _equals(form: Form, name: str, value: Any) -> sa.ColumnElement[bool]:
    element = records.c.data[name]
    kind = form.spec.fields[name].type
    if kind in ("integer", "number", "decimal"):
        return element.as_float() == float(value)
    if kind == "boolean":
        return element.as_boolean() == bool(value)
    return sa.func.lower(element.as_string()) == str(value).lower()


def _iso(value: datetime) -> str:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def _line(form: Form, row: dict[str, Any]) -> str:
    return " · ".join(str(row[c]) for c in form.columns if row.get(c) is not None)
