"""record.create / record.query: generated validation, bound parameters, CSV export."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.errors import ActionRejected, ConfigError
from bot.storage.database import Database
from connectors.data_entry import DataEntryConfig, DataEntryConnector
from connectors.data_entry.forms import load_forms
from connectors.tables import records
from tests.unit.connectors.fd_harness import Harness


@pytest.fixture
def harness(database: Database) -> Harness:
    return Harness(database, [DataEntryConnector(config=DataEntryConfig())])


def test_the_builtin_forms_match_the_documented_fields() -> None:
    forms = load_forms()
    assert {name: form.columns for name, form in forms.items()} == {
        "customer": ["name", "email", "phone", "company", "tier"],
        "order": ["customer", "product", "quantity", "unit_price"],
        "expense": ["amount", "currency", "category", "description"],
        "timesheet": ["project", "hours", "date"],
        "ticket": ["customer", "order_id", "issue", "priority"],
    }


async def test_values_are_typed_and_validated(harness: Harness) -> None:
    saved = await harness.call("record.create", {"form": "timesheet",
                                                 "fields": {"project": "Apollo", "hours": "3.5", "date": "2026-11-20"}},
                               user="U1")
    assert saved.data["fields"] == {"project": "Apollo", "hours": 3.5, "date": "2026-11-20"}
    for bad in ({"project": "Apollo", "hours": 30}, {"hours": 2}, {"project": "A", "hours": 1, "color": "red"}):
        with pytest.raises(ActionRejected):
            await harness.call("record.create", {"form": "timesheet", "fields": bad}, user="U1")
    with pytest.raises(ActionRejected, match="no form"):
        await harness.call("record.create", {"form": "spaceship", "fields": {}}, user="U1")
    with pytest.raises(ActionRejected):
        await harness.call("record.create", {"form": "customer", "fields": {"name": "X", "email": "nope"}}, user="U1")


async def test_sql_looking_values_are_stored_as_text(harness: Harness, database: Database) -> None:
    evil = "'; DROP TABLE records; --"
    await harness.call("record.create", {"form": "customer", "fields": {"name": evil}}, user="U1")
    found = await harness.call("record.query", {"form": "customer", "filters": {"name": evil}}, user="U1")
    assert [r["name"] for r in found.data["records"]] == [evil]
    async with database.sessions() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(records)) == 1


async def test_query_filters_by_field_and_exports_csv(harness: Harness) -> None:
    for name, tier in [("Acme", "premium"), ("Globex", "free"), ("=cmd|' /C calc'!A0", "premium")]:
        await harness.call("record.create", {"form": "customer", "fields": {"name": name, "tier": tier}}, user="U1")
    await harness.call("record.create", {"form": "order", "fields": {"customer": "Acme", "product": "p",
                                                                     "quantity": 5, "unit_price": 2}}, user="U1")
    premium = await harness.call("record.query", {"form": "customer", "filters": {"tier": "PREMIUM"},
                                                  "format": "csv"}, user="U1")
    rows = list(csv.DictReader(io.StringIO(premium.data["csv"])))
    assert [r["name"] for r in rows] == ["Acme", "'=cmd|' /C calc'!A0"]
    assert rows[0]["tier"] == "premium" and rows[0]["created_by"] == "U1"
    orders = await harness.call("record.query", {"form": "order", "filters": {"quantity": 5}}, user="U1")
    assert orders.data["count"] == 1
    with pytest.raises(ActionRejected):
        await harness.call("record.query", {"form": "order", "filters": {"colour": "red"}}, user="U1")


async def test_a_retried_create_stores_one_record(harness: Harness) -> None:
    args = {"form": "expense", "fields": {"amount": 12.5, "description": "taxi"}}
    first = await harness.call("record.create", args, user="U1", key="wf:1:record")
    second = await harness.call("record.create", args, user="U1", key="wf:1:record")
    assert first.data["id"] == second.data["id"]


def test_a_forms_file_replaces_the_builtin_forms(tmp_path: Path) -> None:
    path = tmp_path / "forms.yaml"
    path.write_text("forms:\n  asset:\n    fields:\n      tag: {type: text, required: true}\n"
                    "      kind: {type: choice, choices: [laptop, phone]}\n")
    connector = DataEntryConnector(config=DataEntryConfig(forms_file=path))
    assert list(connector.forms) == ["asset"]
    path.write_text("forms:\n  asset:\n    fields:\n      tag: {type: colour}\n")
    with pytest.raises(ConfigError):
        DataEntryConnector(config=DataEntryConfig(forms_file=path))
