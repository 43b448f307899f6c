"""A workflow waiting on an approval that expires is closed by the worker's schedule."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from bot.storage.database import Database
from connectors.approvals import ApprovalsConfig, ApprovalsConnector
from connectors.data_entry import DataEntryConfig, DataEntryConnector
from connectors.email import EmailConfig, EmailConnector
from connectors.workflows import WorkflowsConfig, WorkflowsConnector
from tests.unit.connectors.fd_harness import Harness


async def test_an_expired_approval_ends_its_workflow(database: Database, tmp_path: Path) -> None:
    approvals = ApprovalsConnector(config=ApprovalsConfig(approval_expire_after_hours=24))
    workflows = WorkflowsConnector(config=WorkflowsConfig())
    harness = Harness(database, [approvals, workflows, DataEntryConnector(config=DataEntryConfig()),
                                 EmailConnector(config=EmailConfig(data_dir=tmp_path))])
    started = await harness.call("workflow.start", {"workflow": "expense_claim", "inputs": {
        "amount": 50, "description": "pens", "manager": "U2", "finance": "U3", "email": "alice@example.com"}},
        user="U1")
    later = harness.clock() + timedelta(hours=25)
    assert await harness.tick(workflows, later) == []
    expired = await harness.tick(approvals, later)
    assert any("expired" in n.reply.text for n in expired)
    (end,) = await harness.tick(workflows, later)
    assert end.reply.text == f"Expense claim {started.data['instance']} was not approved."
    assert await harness.tick(workflows, later) == []
    status = await harness.call("workflow.status", {"instance": started.data["instance"]}, user="U1")
    assert status.data["state"] == "declined" and status.data["status"] == "rejected"


async def test_a_forged_resume_cannot_skip_an_approval(database: Database, tmp_path: Path) -> None:
    harness = Harness(database, [ApprovalsConnector(config=ApprovalsConfig()),
                                 WorkflowsConnector(config=WorkflowsConfig()),
                                 DataEntryConnector(config=DataEntryConfig()),
                                 EmailConnector(config=EmailConfig(data_dir=tmp_path))])
    started = await harness.call("workflow.start", {"workflow": "expense_claim", "inputs": {
        "amount": 50, "description": "pens", "manager": "U2", "finance": "U3", "email": "alice@example.com"}},
        user="U1")
    forged = await harness.click("workflow.resume", json.dumps({
        "instance": started.data["instance"], "state": "manager_approval", "outcome": "approved",
        "data": {"request_id": started.data["waiting_on"]}}), user="U1")
    assert forged.status == "pending" and "not waiting" in forged.summary
    status = await harness.call("workflow.status", {"instance": started.data["instance"]}, user="U1")
    assert (status.data["state"], status.data["status"]) == ("manager_approval", "waiting")
