"""The command line: workflow validation and connector settings sections."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import load_settings
from connectors.base import Connector, ConnectorConfig
from connectors.registry import ConnectorRegistry

WORKFLOWS = Path(__file__).resolve().parents[3] / "connectors" / "workflows"


def test_workflows_validate_accepts_the_shipped_examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["workflows", "validate", str(WORKFLOWS / "expense_claim.yaml"),
                                      str(WORKFLOWS / "customer_order.yaml")])
    assert result.exit_code == 0, result.output
    assert result.output.count(": valid") == 2


def test_workflows_validate_names_line_and_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: broken\nstart: begin\nstates:\n  begin:\n    action: nope.nothing\n")
    result = CliRunner().invoke(app, ["workflows", "validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:" in result.output and "nope.nothing" in result.output


class _CrmConnector(Connector):
    name = "crm"

    class Config(ConnectorConfig):
        api_key: str


def test_third_party_connector_settings_come_from_their_section() -> None:
    settings = load_settings({"FLOWDESK_CONNECTORS": '{"crm": {"api_key": "k-123"}}'})
    registry = ConnectorRegistry.load(settings.model_dump(), classes={"crm": _CrmConnector})
    assert registry.connectors[0].config.api_key == "k-123"  # type: ignore[attr-defined]
