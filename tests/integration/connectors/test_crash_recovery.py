"""A process killed between the decision and the email: after restart the email is sent exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from bot.outbox import utcnow
from bot.storage.database import Database
from bot.storage.tables import outbox
from bot.worker import LEASE, OutboxWorker
from connectors.email import EmailConfig, EmailConnector
from connectors.tables import records, workflow_instances
from tests.integration.connectors.smtp_server import SmtpSink

CHILD = Path(__file__).with_name("crash_child.py")
ROOT = Path(__file__).resolve().parents[3]


async def _wait_for(process: asyncio.subprocess.Process, word: str) -> None:
    assert process.stdout is not None
    while True:
        line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
        assert line, f"the child exited before printing {word!r}"
        if line.decode().strip() == word:
            return


async def test_sigkill_after_the_decision_sends_the_receipt_once(database: Database, smtp: SmtpSink,
                                                                 tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(CHILD), database.url, str(smtp.port), cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        await _wait_for(process, "committed")
        await _wait_for(process, "delivering")
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    assert process.returncode == -signal.SIGKILL
    assert smtp.messages == []

    async with database.sessions() as session:
        (row,) = (await session.execute(sa.select(outbox).where(outbox.c.kind == "email"))).all()
        assert row.state == "pending" and row.locked_until is not None
        instance = (await session.execute(sa.select(workflow_instances))).one()
        assert (instance.state, instance.status) == ("paid", "done")
        assert await session.scalar(sa.select(sa.func.count()).select_from(records)) == 1

    connector = EmailConnector(config=EmailConfig(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False,
                                                  email_from="flowdesk@example.com"))
    worker = OutboxWorker(database=database,
                          deliverers={"email": lambda payload, key: connector.deliver("email", payload, key=key)})
    assert await worker.run_once() == 0, "the dead process's lease must hold until it expires"
    later = utcnow() + LEASE + timedelta(seconds=1)
    assert await worker.run_once(later) == 1
    assert await worker.run_once(later + timedelta(hours=1)) == 0
    (message,) = smtp.messages
    assert message["To"] == "alice@example.com"
    assert message["Subject"].startswith("Receipt for your expense claim WF-")
