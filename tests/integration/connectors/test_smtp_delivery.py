"""Email through a real SMTP server on loopback: STARTTLS and auth, an outage, header injection."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.errors import ActionRejected, ConnectorError
from bot.outbox import utcnow
from bot.storage.database import Database
from bot.worker import OutboxWorker
from connectors.email import EmailConfig, EmailConnector
from tests.unit.connectors.fd_harness import Harness
from tests.integration.connectors.smtp_server import SmtpSink


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _connector(port: int, **extra: object) -> EmailConnector:
    options: dict[str, object] = dict(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False,
                                      email_from="flowdesk@example.com")
    options.update(extra)
    return EmailConnector(config=EmailConfig(**options))


def _worker(database: Database, connector: EmailConnector) -> OutboxWorker:
    return OutboxWorker(database=database,
                        deliverers={"email": lambda payload, key: connector.deliver("email", payload, key=key)})


async def test_mail_is_delivered_over_starttls_with_auth(database: Database, tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    sink = SmtpSink(tls_cert=cert, tls_key=key, users={"bot": "s3cret"})
    sink.start()
    try:
        connector = _connector(sink.port, smtp_starttls=True, smtp_username="bot", smtp_password="s3cret",
                               smtp_cert_bundle=str(cert))
        harness = Harness(database, [connector])
        sent = await harness.call("email.send", {"to": ["U2"], "subject": "Budget", "body": "Numbers attached."},
                                  user="U1")
        assert await _worker(database, connector).run_once() == 1
        (message,) = sink.messages
        assert message["Subject"] == "Budget" and message["To"] == "dana.kim@example.com"
        assert message["Message-ID"] == sent.data["message_id"]
        assert message.get_body(("plain",)).get_content().startswith("Numbers attached.")
        assert message.get_body(("html",)) is not None
        wrong = _connector(sink.port, smtp_starttls=True, smtp_username="bot", smtp_password="nope",
                           smtp_cert_bundle=str(cert))
        row = (await harness.outbox_rows("email"))[0]
        with pytest.raises(ConnectorError):
            await wrong.deliver("email", row.payload, key=row.key)
        assert len(sink.messages) == 1
    finally:
        sink.stop()


async def test_an_smtp_outage_delays_mail_but_loses_and_repeats_none(database: Database, smtp: SmtpSink) -> None:
    connector = _connector(smtp.port)
    harness = Harness(database, [connector])
    worker = _worker(database, connector)
    smtp.stop()
    subjects = [f"Invoice {n}" for n in range(5)]
    for subject in subjects:
        await harness.call("email.send", {"to": ["finn@example.com"], "subject": subject, "body": "due"},
                           user="U1", key=subject)
    assert await worker.run_once() == 0
    assert await worker.run_once(utcnow() + dt.timedelta(seconds=5)) == 0
    rows = await harness.outbox_rows("email")
    assert all(r.state == "pending" and r.attempts == 2 and "SMTP" in r.last_error for r in rows)
    smtp.start()
    assert await worker.run_once(utcnow() + dt.timedelta(minutes=1)) == 5
    assert await worker.run_once(utcnow() + dt.timedelta(hours=1)) == 0
    assert sorted(m["Subject"] for m in smtp.messages) == subjects
    assert len({m["Message-ID"] for m in smtp.messages}) == 5


async def test_header_injection_never_reaches_the_server(database: Database, smtp: SmtpSink) -> None:
    connector = _connector(smtp.port)
    harness = Harness(database, [connector])
    with pytest.raises(ActionRejected):
        await harness.call("email.send", {"to": ["finn@example.com"], "subject": "Hi\r\nBcc: all@evil.example",
                                          "body": "x"}, user="U1")
    forged = {"from": "flowdesk@example.com", "to": ["finn@example.com"], "subject": "Hi\nBcc: all@evil.example",
              "text": "x", "html": "", "message_id": "<1@example.com>"}
    with pytest.raises(ActionRejected):
        await connector.deliver("email", forged, key="forged")
    assert smtp.messages == []
