"""What the console tests say and which connectors answer: the real ones, with a scripted NLU.

The scripted readings are what the shipped NLU is meant to produce for these
sentences (actions.md); scripting them keeps the console tests about the
console, independent of the model's accuracy.
"""

from __future__ import annotations

from bot.config import Settings
from connectors.approvals import ApprovalsConnector
from connectors.data_entry import DataEntryConnector
from connectors.email import EmailConnector
from connectors.registry import ConnectorRegistry
from tests.fakes.nlu import ScriptedNLU

ASK_APPROVAL = "ask @dana to approve $1,200 for a new laptop"
SEND_EMAIL = "email sam@example.com the Q3 report"
LOG_HOURS = "log 3.5h on Apollo"
NEEDS_APPROVER = "I need approval for a new laptop"


def scripted_nlu() -> ScriptedNLU:
    nlu = ScriptedNLU()
    nlu.teach(ASK_APPROVAL, "approval.request", approver="dana", subject="a new laptop", amount=1200, currency="USD")
    nlu.teach(SEND_EMAIL, "email.send", to=["sam@example.com"], subject="the Q3 report",
              body="Hi Sam, the Q3 report is ready.")
    nlu.teach(LOG_HOURS, "record.create", form="timesheet", fields={"project": "Apollo", "hours": 3.5})
    nlu.teach(NEEDS_APPROVER, "approval.request", subject="a new laptop")
    return nlu


def console_registry(settings: Settings) -> ConnectorRegistry:
    """The built-in connectors that the console's flows use, configured from ``settings``."""
    classes = {"approvals": ApprovalsConnector, "email": EmailConnector, "data_entry": DataEntryConnector}
    return ConnectorRegistry.load(settings.model_dump(), classes=classes)
