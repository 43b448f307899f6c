"""Finds connectors through the ``flowdesk.connectors`` entry points and maps actions to them.

A third-party package adds a connector by declaring, in its own pyproject.toml::

    [project.entry-points."flowdesk.connectors"]
    crm = "flowdesk_crm:CrmConnector"
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib.metadata import entry_points
from typing import Any

from pydantic import BaseModel, ValidationError

from bot.errors import ConfigError, ConnectorError
from connectors.base import ActionSpec, Connector

GROUP = "flowdesk.connectors"


def discover(group: str = GROUP) -> dict[str, type[Connector]]:
    """Connector classes installed under the entry-point group, by entry-point name."""
    found: dict[str, type[Connector]] = {}
    for point in entry_points(group=group):
        try:
            cls = point.load()
        except Exception as exc:  # noqa: BLE001 - a broken plugin must say which one it is
            raise ConnectorError(f"connector {point.name!r} ({point.value}) failed to load: {exc}") from exc
        if not (isinstance(cls, type) and issubclass(cls, Connector)):
            raise ConnectorError(f"entry point {point.name!r} is not a flowdesk Connector class")
        found[point.name] = cls
    return found


class ConnectorRegistry:
    """The connectors of this process and the actions they handle."""

    def __init__(self, connectors: Iterable[Connector]) -> None:
        self.connectors = list(connectors)
        self._specs: dict[str, ActionSpec] = {}
        self._owner: dict[str, Connector] = {}
        for connector in self.connectors:
            for spec in connector.actions():
                if spec.name in self._specs:
                    raise ConnectorError(
                        f"action {spec.name!r} is declared by both "
                        f"{self._owner[spec.name].name!r} and {connector.name!r}"
                    )
                self._specs[spec.name] = spec
                self._owner[spec.name] = connector

    @classmethod
    def load(
        cls, settings: Mapping[str, Any], *, classes: Mapping[str, type[Connector]] | None = None
    ) -> ConnectorRegistry:
        """Instantiate every discovered connector with its validated ``Config``."""
        classes = discover() if classes is None else classes
        return cls(_instantiate(name, cls_, settings) for name, cls_ in sorted(classes.items()))

    def spec(self, name: str) -> ActionSpec | None:
        return self._specs.get(name)

    def owner(self, name: str) -> Connector | None:
        return self._owner.get(name)

    def specs(self, *, include_internal: bool = False) -> list[ActionSpec]:
        return [s for s in self._specs.values() if include_internal or not s.internal]

    def schemas(self) -> dict[str, type[BaseModel]]:
        """Argument models of the actions the NLU may produce."""
        return {spec.name: spec.args for spec in self.specs()}

    def deliverers(self) -> dict[str, Connector]:
        """Outbox kind -> the connector that performs it."""
        return {kind: c for c in self.connectors for kind in c.outbox_kinds}

    async def start(self) -> None:
        for connector in self.connectors:
            await connector.start()

    async def close(self) -> None:
        for connector in reversed(self.connectors):
            await connector.close()


def _instantiate(name: str, cls: type[Connector], settings: Mapping[str, Any]) -> Connector:
    sections = settings.get("connectors") or {}
    values = {**settings, **(sections.get(name) or {})}
    try:
        config = cls.Config.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"])
        raise ConfigError(f"connector {name}: {field}", error["msg"]) from None
    return cls(config=config)
