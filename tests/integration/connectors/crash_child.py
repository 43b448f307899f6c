"""Child process of the crash test: decides an approval whose workflow queues an email, then hangs in delivery.

Prints ``committed`` once the decision and its outbox row are committed and
``delivering`` once the worker has claimed the row; the parent kills it then.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping
from typing import Any

from bot.storage.database import Database
from bot.worker import OutboxWorker
from connectors.approvals import ApprovalsConfig, ApprovalsConnector
from connectors.data_entry import DataEntryConfig, DataEntryConnector
from connectors.email import EmailConfig, EmailConnector
from connectors.workflows import WorkflowsConfig, WorkflowsConnector
from tests.unit.connectors.fd_harness import Harness


async def main(url: str, port: int) -> None:
    database = Database(url=url)
    email = EmailConnector(config=EmailConfig(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False,
                                              email_from="flowdesk@example.com"))
    harness = Harness(database, [ApprovalsConnector(config=ApprovalsConfig()), email,
                                 DataEntryConnector(config=DataEntryConfig()), WorkflowsConnector(config=WorkflowsConfig())])
    started = await harness.call("workflow.start", {"workflow": "expense_claim", "inputs": {
        "amount": 420, "description": "team lunch", "manager": "U2", "finance": "U3",
        "email": "alice@example.com", "name": "Alice"}}, user="U1")
    value = started.notices[0].reply.card.buttons[0].value
    await harness.click("approval.approve", value, user="U2")
    print("committed", flush=True)

    async def hang(payload: Mapping[str, Any], key: str) -> None:
        print("delivering", flush=True)
        await asyncio.sleep(3600)

    await OutboxWorker(database=database, deliverers={"email": hang}).run_once()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
