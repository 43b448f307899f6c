"""The work process's runtime in tests: the same connectors, a scripted NLU taught in advance."""

from __future__ import annotations

from typing import Any

from bot.runtime import Runtime
from connectors.approvals import ApprovalsConnector
from connectors.email import EmailConnector
from connectors.registry import ConnectorRegistry
from tests.fakes.nlu import ScriptedNLU

ASK = "ask <@UDANA0001> to approve the new laptop"


def scripted(settings: Any) -> Runtime:
    nlu = ScriptedNLU()
    nlu.teach(ASK, "approval.request", approver="UDANA0001", subject="the new laptop")
    registry = ConnectorRegistry.load(settings.model_dump(),
                                      classes={"approvals": ApprovalsConnector, "email": EmailConnector})
    return Runtime(settings=settings, nlu=nlu, registry=registry)
