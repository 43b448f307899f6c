"""Plugin discovery through the ``flowdesk.connectors`` entry points."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest
from pydantic import BaseModel

from bot.errors import ConfigError, ConnectorError
from connectors import registry as registry_module
from connectors.base import ActionContext, Connector, ConnectorConfig, action
from connectors.registry import ConnectorRegistry, discover
from tests.fakes.connectors import NotebookConnector


class _Args(BaseModel):
    text: str


class StrictConnector(Connector):
    name = "strict"

    class Config(ConnectorConfig):
        smtp_port: int
        email_from: str

    @action("strict.echo", args=_Args)
    async def echo(self, ctx: ActionContext, args: _Args) -> object:  # pragma: no cover - not run
        raise NotImplementedError


def _entry_points(*points: EntryPoint) -> object:
    def fake(*, group: str) -> list[EntryPoint]:
        return [p for p in points if p.group == group]
    return fake


def test_installed_entry_points_are_discovered(monkeypatch: pytest.MonkeyPatch) -> None:
    point = EntryPoint(name="notebook", value="tests.fakes.connectors:NotebookConnector", group="flowdesk.connectors")
    monkeypatch.setattr(registry_module, "entry_points", _entry_points(point))
    assert discover() == {"notebook": NotebookConnector}


def test_the_project_registers_its_connectors_as_entry_points() -> None:
    from importlib.metadata import entry_points

    names = {p.name for p in entry_points(group="flowdesk.connectors")}
    assert {"approvals", "email", "data_entry"} <= names


def test_a_broken_plugin_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    point = EntryPoint(name="crm", value="no_such_module:Crm", group="flowdesk.connectors")
    monkeypatch.setattr(registry_module, "entry_points", _entry_points(point))
    with pytest.raises(ConnectorError, match="'crm'"):
        discover()


def test_registry_validates_each_connector_config() -> None:
    with pytest.raises(ConfigError, match="strict"):
        ConnectorRegistry.load({"smtp_port": "not a port", "email_from": "x"}, classes={"strict": StrictConnector})
    registry = ConnectorRegistry.load({"smtp_port": 25, "email_from": "bot@example.com", "other": 1},
                                      classes={"strict": StrictConnector})
    assert registry.spec("strict.echo") is not None
    assert set(registry.schemas()) == {"strict.echo"}


def test_two_connectors_cannot_claim_one_action() -> None:
    with pytest.raises(ConnectorError, match="note.add"):
        ConnectorRegistry([NotebookConnector(config=ConnectorConfig()), NotebookConnector(config=ConnectorConfig())])


def test_action_decorator_checks_early() -> None:
    with pytest.raises(ValueError):
        action("nodot", args=_Args)
    with pytest.raises(TypeError):
        action("a.b", args=dict)  # type: ignore[arg-type]
