"""email.send: validated recipients, no header injection, templates, outbox, local mail folder."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest

from bot.errors import ActionRejected
from bot.storage.database import Database
from bot.worker import OutboxWorker
from connectors.email import EmailConfig, EmailConnector
from tests.unit.connectors.fd_harness import Harness


def _connector(tmp_path: Path, **config: object) -> EmailConnector:
    return EmailConnector(config=EmailConfig(data_dir=tmp_path, email_from="flowdesk@example.com", **config))


async def test_mail_goes_to_the_local_folder_once_with_plain_and_html_parts(
        database: Database, tmp_path: Path) -> None:
    connector = _connector(tmp_path)
    harness = Harness(database, [connector])
    result = await harness.call("email.send", {"to": ["U2"], "subject": "Quarterly numbers",
                                               "body": "See <the> sheet."}, user="U1", key="msg-1")
    assert result.data["to"] == ["dana.kim@example.com"]
    again = await harness.call("email.send", {"to": ["U2"], "subject": "Quarterly numbers",
                                              "body": "See <the> sheet."}, user="U1", key="msg-1")
    assert again.data["queued"] is False
    worker = OutboxWorker(database=database, deliverers={"email": lambda p, k: connector.deliver("email", p, key=k)})
    assert await worker.run_once() == 1
    (path,) = (tmp_path / "mail").glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["Subject"] == "Quarterly numbers" and message["To"] == "dana.kim@example.com"
    assert message["Message-ID"] == result.data["message_id"]
    assert "See <the> sheet." in message.get_body(("plain",)).get_content()
    assert "See &lt;the&gt; sheet." in message.get_body(("html",)).get_content()
    row = (await harness.outbox_rows("email"))[0]
    await connector.deliver("email", row.payload, key=row.key)
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1


@pytest.mark.parametrize("field,value", [
    ("subject", "Hello\r\nBcc: victim@evil.example"),
    ("subject", "Hello\nX-Injected: yes"),
    ("to", "dana.kim@example.com\r\nBcc: victim@evil.example"),
    ("to", "not-an-address@"),
])
async def test_header_injection_and_bad_addresses_are_refused(
        database: Database, tmp_path: Path, field: str, value: str) -> None:
    harness = Harness(database, [_connector(tmp_path)])
    args = {"to": ["dana.kim@example.com"], "subject": "Hi", "body": "text", field: [value] if field == "to" else value}
    with pytest.raises(ActionRejected):
        await harness.call("email.send", args, user="U1")
    assert await harness.outbox_rows("email") == []


async def test_recipients_outside_the_allowed_domains_are_refused(database: Database, tmp_path: Path) -> None:
    harness = Harness(database, [_connector(tmp_path, email_allowed_domains=("example.com",))])
    with pytest.raises(ActionRejected, match="not allowed"):
        await harness.call("email.send", {"to": ["someone@gmail.com"], "body": "x"}, user="U1")
    ok = await harness.call("email.send", {"to": ["finn@example.com"], "body": "x"}, user="U1")
    assert ok.data["to"] == ["finn@example.com"]


async def test_templates_render_subject_and_both_parts(tmp_path: Path) -> None:
    from connectors.email import SendArgs

    connector = _connector(tmp_path)
    args = SendArgs(to=["a@example.com"], template="order_confirmation",
                    context={"customer": "<Acme>", "order": "ORD-7", "product": "bolts", "quantity": 3,
                             "unit_price": 2.5, "discount": 0})
    payload = connector.compose(args, ["a@example.com"], sender_name="Alice")
    assert payload["subject"] == "Your order ORD-7 is confirmed"
    assert "Unit price: 2.50" in payload["text"] and "&lt;Acme&gt;" in payload["html"]
    with pytest.raises(ActionRejected, match="template"):
        connector.compose(args.model_copy(update={"template": "nope"}), ["a@example.com"], sender_name="A")


def test_the_preview_shows_what_will_be_sent(tmp_path: Path) -> None:
    from connectors.email import SendArgs

    card = _connector(tmp_path).preview_send(SendArgs(to=["a@example.com"], subject="Hi", body="Body text"))
    assert ("To", "a@example.com") in card.fields and "Body text" in card.text
    spec = {s.name: s for s in _connector(tmp_path).actions()}["email.send"]
    assert spec.confirm and spec.preview is not None


def test_an_email_without_a_body_can_be_previewed(tmp_path: Path) -> None:
    from connectors.email import SendArgs

    card = _connector(tmp_path).preview_send(SendArgs(to=["a@example.com"], subject="Q3 report"))
    assert ("Subject", "Q3 report") in card.fields
    assert "Sent by you via flowdesk" in card.text
