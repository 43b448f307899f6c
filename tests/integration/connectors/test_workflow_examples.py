"""The two shipped workflows end to end through the pipeline (bot.dispatch), with a real SMTP server.

Every step goes through ``Dispatcher``: messages read by a scripted NLU, button
clicks as the platforms deliver them, notices and email through the outbox.
Between steps the process is "restarted" (new database handle, connectors and
pipeline) to show that workflow state lives in the database.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa

from bot.dispatch import Dispatcher
from bot.models import Interaction, Message, Reply
from bot.storage.database import Database
from bot.storage.tables import outbox
from bot.worker import OutboxWorker
from connectors.approvals import ApprovalsConfig, ApprovalsConnector
from connectors.data_entry import DataEntryConfig, DataEntryConnector
from connectors.email import EmailConfig, EmailConnector
from connectors.registry import ConnectorRegistry
from connectors.tables import records, workflow_instances
from connectors.workflows import WorkflowsConfig, WorkflowsConnector
from tests.fakes.nlu import ScriptedNLU
from tests.integration.connectors.smtp_server import SmtpSink


class Process:
    """One flowdesk process: database handle, connectors, pipeline and worker."""

    def __init__(self, url: str, smtp_port: int, nlu: ScriptedNLU) -> None:
        self.database = Database(url=url)
        self.email = EmailConnector(config=EmailConfig(smtp_host="127.0.0.1", smtp_port=smtp_port,
                                                       smtp_starttls=False, email_from="flowdesk@example.com"))
        self.registry = ConnectorRegistry([ApprovalsConnector(config=ApprovalsConfig()), self.email,
                                           DataEntryConnector(config=DataEntryConfig()),
                                           WorkflowsConnector(config=WorkflowsConfig())])
        self.dispatcher = Dispatcher(database=self.database, registry=self.registry, nlu=nlu)
        self.worker = OutboxWorker(database=self.database, deliverers={
            "email": lambda payload, key: self.email.deliver("email", payload, key=key),
            "notice": self._noted,
        })
        self.delivered_notices: list[dict[str, Any]] = []
        self.count = 0

    async def _noted(self, payload: Any, key: str) -> None:
        self.delivered_notices.append(dict(payload))

    async def notices(self) -> list[dict[str, Any]]:
        """Every notice the pipeline queued, oldest first (what the platforms would show)."""
        async with self.database.sessions() as session:
            rows = await session.execute(sa.select(outbox.c.payload).where(outbox.c.kind == "notice")
                                         .order_by(outbox.c.id))
            return [dict(r) for r in rows.scalars()]

    async def say(self, text: str, user: str = "U1") -> Reply | None:
        self.count += 1
        message = Message(platform="test", workspace="T1", channel="C1", id=f"{user}-{text[:8]}-{self.count}",
                          user=user, user_name=user, text=text)
        return await self.dispatcher.handle_message(message, delivery_key=f"msg:{message.id}")

    async def click(self, label: str, card_key_part: str, user: str) -> Reply | None:
        """Click a button on the newest card notice whose key contains ``card_key_part``."""
        notices = await self.notices()
        card = next(n["reply"]["card"] for n in reversed(notices)
                    if card_key_part in n["key"] and n["reply"].get("card") and n["reply"]["card"]["buttons"])
        button = next(b for b in card["buttons"] if b["label"] == label)
        self.count += 1
        return await self.dispatcher.handle_interaction(Interaction(
            platform="test", workspace="T1", channel="C1", user=user, user_name=user,
            action_id=button["action_id"], value=button["value"], delivery_id=f"click-{user}-{self.count}"))


@asynccontextmanager
async def process(url: str, smtp: SmtpSink, nlu: ScriptedNLU) -> AsyncIterator[Process]:
    proc = Process(url, smtp.port, nlu)
    try:
        yield proc
    finally:
        await proc.database.close()


def _nlu() -> ScriptedNLU:
    nlu = ScriptedNLU()
    nlu.teach("claim 1500 for the flights to Oslo", "workflow.start", workflow="expense_claim", inputs={
        "amount": 1500, "currency": "EUR", "category": "travel", "description": "flights to Oslo",
        "manager": "U2", "finance": "U3", "email": "alice@example.com", "name": "Alice"})
    nlu.teach("claim 80 for a taxi", "workflow.start", workflow="expense_claim", inputs={
        "amount": 80, "description": "taxi", "manager": "U2", "finance": "U3", "email": "alice@example.com"})
    nlu.teach("order 200 bolts for Acme at 25% off", "workflow.start", workflow="customer_order", inputs={
        "customer": "Acme", "customer_email": "buyer@acme.example", "product": "bolts", "quantity": 200,
        "unit_price": 2.5, "discount": 25, "sales_manager": "U4"})
    return nlu


async def _instance(url: str) -> Any:
    database = Database(url=url)
    try:
        async with database.sessions() as session:
            return (await session.execute(sa.select(workflow_instances).order_by(workflow_instances.c.id.desc()))).first()
    finally:
        await database.close()


async def test_expense_claim_over_1000_needs_manager_and_finance(database: Database, smtp: SmtpSink) -> None:
    nlu, url = _nlu(), database.url
    async with process(url, smtp, nlu) as proc:
        reply = await proc.say("claim 1500 for the flights to Oslo")
        assert reply is not None and "waiting at manager_approval" in reply.text
        refused = await proc.click("Approve", "card:0", user="U3")
        assert refused is not None and refused.private
    assert (await _instance(url)).state == "manager_approval"
    async with process(url, smtp, nlu) as proc:  # restarted: the decision resumes the stored workflow
        decided = await proc.click("Approve", "card:0", user="U2")
        assert decided is not None and decided.replace and not decided.card.buttons
    assert (await _instance(url)).state == "finance_approval"
    async with process(url, smtp, nlu) as proc:
        await proc.click("Approve", "APR-1002:card:0", user="U3")
        again = await proc.click("Approve", "APR-1002:card:0", user="U3")
        assert again is not None and again.private
        await proc.worker.run_once()
        ends = [n for n in await proc.notices() if n["key"].startswith("workflow:")]
        assert [n["reply"]["text"] for n in ends] == [
            "Expense claim WF-1001 approved, recorded as EXP-1; receipt sent."]
    (receipt,) = smtp.messages
    assert receipt["To"] == "alice@example.com"
    assert receipt["Subject"] == "Receipt for your expense claim WF-1001"
    assert "1500.00 EUR" in receipt.get_body(("plain",)).get_content()
    instance = await _instance(url)
    assert (instance.state, instance.status) == ("paid", "done")


async def test_a_small_claim_rejected_by_the_manager_records_and_sends_nothing(
        database: Database, smtp: SmtpSink) -> None:
    async with process(database.url, smtp, _nlu()) as proc:
        await proc.say("claim 80 for a taxi")
        reply = await proc.click("Reject", "card:0", user="U2")
        assert reply is not None and reply.card.title.startswith("Rejected")
        await proc.worker.run_once()
        async with proc.database.sessions() as session:
            assert await session.scalar(sa.select(sa.func.count()).select_from(records)) == 0
            assert await session.scalar(sa.select(sa.func.count()).select_from(outbox)
                                        .where(outbox.c.kind == "email")) == 0
    instance = await _instance(database.url)
    assert (instance.state, instance.status) == ("declined", "rejected")
    assert smtp.messages == []


async def test_customer_order_with_discount_approval_confirmation_and_complaint(
        database: Database, smtp: SmtpSink) -> None:
    nlu, url = _nlu(), database.url
    async with process(url, smtp, nlu) as proc:
        reply = await proc.say("order 200 bolts for Acme at 25% off")
        assert reply is not None and "waiting at discount_approval" in reply.text
    async with process(url, smtp, nlu) as proc:
        await proc.click("Approve", "card:0", user="U4")
        await proc.worker.run_once()
    (confirmation,) = smtp.messages
    assert confirmation["Subject"] == "Your order ORD-1 is confirmed"
    assert "Discount:   25.0%" in confirmation.get_body(("plain",)).get_content()
    assert (await _instance(url)).state == "await_feedback"
    nlu.teach("the bolts for WF-1001 arrived rusty", "workflow.signal", instance="WF-1001", event="complaint",
              data={"issue": "the bolts arrived rusty"})
    async with process(url, smtp, nlu) as proc:
        reply = await proc.say("the bolts for WF-1001 arrived rusty", user="U5")
        assert reply is not None and "complete" in reply.text
        async with proc.database.sessions() as session:
            tickets = (await session.execute(sa.select(records.c.data).where(records.c.form == "ticket"))).scalars()
            assert list(tickets) == [{"customer": "Acme", "order_id": "ORD-1", "issue": "the bolts arrived rusty",
                                      "priority": "high"}]
    assert json.loads(json.dumps((await _instance(url)).context))["signal"]["by"] == "U5"
